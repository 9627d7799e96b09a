// HTML escaping shared by every page mixnmatch renders: error pages and folder listings.

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML attribute values (and element content). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * Escapes text for HTML element content: `&`, `<`, `>` only, as the
 * original's pages did (Python's `html.escape(…, quote=False)`), so a message
 * like `No "data" parameter present` reads the same in the page source.
 */
export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESCAPES[c]!);
}
