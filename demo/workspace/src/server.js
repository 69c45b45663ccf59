'use strict';
const http = require('node:http');

function priceWithTax(cents, rate) {
  if (!Number.isInteger(cents)) throw new TypeError(`price must be whole cents, got ${cents}`);
  return Math.round(cents * (1 + rate));
}

function handler(req, res) {
  if (req.url === '/health') return res.end('ok');
  if (req.url?.startsWith('/price/')) {
    const cents = Number(req.url.slice('/price/'.length));
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ cents: priceWithTax(cents, 0.2) }));
  }
  res.statusCode = 404;
  res.end('not found');
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8080);
  http.createServer(handler).listen(port, '127.0.0.1', () => console.log(`shop-api on http://127.0.0.1:${port}`));
}

module.exports = { handler, priceWithTax };
