// CappedOutput moved to src/sandbox/ (the sandbox captures program output with it); this keeps the
// old import path working for CurlJob. Import from '../../sandbox/capped-output.js' in new code.
export { CappedOutput } from '../../sandbox/capped-output.js';
