// HTML escaping shared by every page mixnmatch renders: error pages and folder listings.

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** The same, with `"` as a numeric reference, as Go's `html.EscapeString` writes it. */
const NUMERIC_ESCAPES: Readonly<Record<string, string>> = { ...ESCAPES, '"': '&#34;' };

/**
 * Escapes text for HTML attribute values (and element content). `numeric`
 * writes `"` as `&#34;` (Go's `html.EscapeString`, which go-httpbin's
 * answers use) instead of `&quot;`.
 */
export function escapeHtml(text: string, numeric = false): string {
  const escapes = numeric ? NUMERIC_ESCAPES : ESCAPES;
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

/**
 * Escapes text for HTML element content: `&`, `<`, `>` only, as the
 * original's pages did (Python's `html.escape(…, quote=False)`), so a message
 * like `No "data" parameter present` reads the same in the page source.
 */
export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESCAPES[c]!);
}
