/** mlspec's version, read from package.json so there is one source of truth. */

export const VERSION: string = (require('../../package.json') as { version: string }).version;
