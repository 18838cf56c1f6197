// Preloaded (NODE_OPTIONS=--require) into every Node process of the Node 24 run (.ci/node24): the
// checkout's node_modules holds better-sqlite3 built for the Node that ran `npm ci`; this points
// `require('better-sqlite3')` at the copy .ci/node24 built for Node 24 with node-gyp, so that
// checkout stays as it is. Every other module resolves as usual.
'use strict';
const Module = require('node:module');
const target = process.env.MLSPEC_CI_BETTER_SQLITE3;
if (target) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return resolve.call(this, request === 'better-sqlite3' ? target : request, ...rest);
  };
}
