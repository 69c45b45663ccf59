'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { priceWithTax } = require('../src/server');

test('adds tax to whole cents', () => assert.equal(priceWithTax(1000, 0.2), 1200));
test('rejects fractions of a cent', () => assert.throws(() => priceWithTax(10.5, 0.2), TypeError));
