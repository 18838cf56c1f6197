// Jest's worker processes get FORCE_COLOR=1 when jest itself writes to a terminal; the CLIs the
// tests start inherit it and would colour output the tests compare as text. A test that wants
// colour sets FORCE_COLOR itself (see src/core/terminal.ts for the rules).
delete process.env.FORCE_COLOR;
