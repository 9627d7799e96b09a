// The methods cache() checks a PageStore has (the contract itself is in types.ts, beside the others).

/** The methods every `PageStore` must have; `cache()` checks them at construction. */
export const REQUIRED_STORE_METHODS = ['save', 'get', 'clear', 'clearAll'] as const;
