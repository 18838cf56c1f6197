/** The conformance suite (conformance.ts) over every built-in plugin. */
import { builtinPlugins } from '../../src/plugins';
import { describeConformance } from './conformance';

describe('every built-in plugin', () => {
  describeConformance(builtinPlugins);
});
