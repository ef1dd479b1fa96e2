// Jest (before Node 24.9) cannot require() an ES module, but Node 20.19+ can. CommonJS packages
// that require an ESM-only dependency (@fastify/static -> content-disposition@3) are pointed here by
// jest.config.mjs's moduleNameMapper, and get the real package through Node's own require.
const { createRequire } = require('node:module');

const nativeRequire = createRequire(__filename);
module.exports = function load(name) {
  return nativeRequire(name);
};
