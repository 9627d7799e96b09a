// Pure rendering of an error as the original's HTML page or as RFC 9457 problem JSON.
import { escapeText } from '../http/html';

/** What an error page shows. */
export interface ErrorView {
  status: number;
  /** The short reason ("Not Found"). */
  reason: string;
  /** The explanation ("Extra arguments: foo/bar."). */
  explain: string;
  /** The stack trace, only when asked for. */
  stack?: string;
}

/** Text with exactly one final period, as the page's sentences end. */
function sentence(text: string): string {
  return text.endsWith('.') ? text : `${text}.`;
}

/** The error page, in the form of the original's (Python's `http.server`) pages. */
export function renderErrorHtml(view: ErrorView): string {
  const stack = view.stack ? `\n        <pre>${escapeText(view.stack)}</pre>` : '';
  return `<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: ${view.status}</p>
        <p>Message: ${escapeText(sentence(view.reason))}</p>
        <p>Error code explanation: ${view.status} - ${escapeText(sentence(view.explain))}</p>${stack}
    </body>
</html>
`;
}

/** The error as an RFC 9457 problem details object. */
export function renderErrorJson(view: ErrorView): string {
  return JSON.stringify({
    type: 'about:blank',
    title: view.reason,
    status: view.status,
    detail: view.explain,
    ...(view.stack ? { stack: view.stack } : {}),
  });
}
