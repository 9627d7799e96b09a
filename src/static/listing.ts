// Pure rendering of a folder listing in the form of the original's (Python's SimpleHTTPRequestHandler).
import { escapeHtml, escapeText } from '../http/html';

/** One entry of a folder. */
export interface ListingEntry {
  name: string;
  isDirectory: boolean;
  isSymbolicLink: boolean;
}

/**
 * The listing page for a folder at `urlPath` (decoded): entries sorted
 * case-insensitively, folders with a trailing `/`, symbolic links with `@`.
 */
export function renderListing(urlPath: string, entries: readonly ListingEntry[]): string {
  const title = escapeText(`Directory listing for ${urlPath}`);
  const items = [...entries]
    .sort((a, b) => {
      const x = a.name.toLowerCase();
      const y = b.name.toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .map((entry) => {
      const suffix = entry.isDirectory ? '/' : '';
      const display = entry.name + suffix + (entry.isSymbolicLink ? '@' : '');
      const href = encodeURIComponent(entry.name) + suffix;
      return `<li><a href="${escapeHtml(href)}">${escapeText(display)}</a></li>`;
    });
  return `<!DOCTYPE HTML>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
</head>
<body>
<h1>${title}</h1>
<hr>
<ul>
${items.join('\n')}
</ul>
<hr>
</body>
</html>
`;
}
