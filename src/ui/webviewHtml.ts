import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** A webview page: its bundle's script and stylesheet (files in `root`), the main element, extra CSP sources. */
export interface WebviewPage {
  title: string;
  script: string;
  style: string;
  mainId: string;
  mainRole?: string;
  /** Sources the page needs beyond script and style (fonts, data: images); `{cspSource}` is the webview's. */
  csp?: string;
}

/**
 * A webview page with a strict CSP: only our own script (with a fresh nonce) and stylesheet from `root`,
 * nothing inline, nothing remote. `csp` adds sources a page needs (fonts, data: images).
 */
export function webviewHtml(webview: vscode.Webview, root: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(root, page.script));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(root, page.style));
  const extra = page.csp ? ` ${page.csp.replaceAll('{cspSource}', webview.cspSource)}` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource};${extra} script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${page.title}</title>
</head>
<body>
<main id="${page.mainId}"${page.mainRole ? ` role="${page.mainRole}"` : ''}></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
