/** The help texts: `mlspec --help` (every command, one line each) and `mlspec <command> --help`. */
import { VERSION } from '../core/version';
import type { AnyCommand } from './command';
import { flagsOf } from './parse';

export function usageLine(command: AnyCommand): string {
  const hasFlags = Object.keys(command.flags).length > 0;
  return `mlspec ${command.name}${command.args ? ` ${command.args}` : ''}${hasFlags ? ' [options]' : ''}`;
}

export function globalHelp(commands: readonly AnyCommand[]): string {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.args}`.length));
  const lines = commands.map((c) => `  mlspec ${`${c.name} ${c.args}`.padEnd(width)}  ${c.summary}`);
  return `mlspec ${VERSION} — declarative text-classification experiments

Usage:
${lines.join('\n')}

  mlspec <command> --help (or mlspec help <command>) shows a command's options and an example.
  mlspec -V, --version prints the version.

Exit codes: 0 success, 1 a run failed, 2 bad input.

validate, plan and run load the third-party plugin files a spec lists under \`plugins:\`: they run
that code, so check a spec from someone else before validating it.
`;
}

export function commandHelp(command: AnyCommand): string {
  const flags = Object.entries(flagsOf(command)).map(([name, s]) => {
    const short = s.short ? `-${s.short}, ` : '    ';
    return [`${short}--${name}${s.type === 'string' ? ` ${s.value ?? 'VALUE'}` : ''}`, s.help] as const;
  });
  const width = Math.max(...flags.map(([f]) => f.length));
  const parts = [
    `Usage: ${usageLine(command)}`,
    '',
    `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`,
    '',
    'Options:',
    ...flags.map(([f, help]) => `  ${f.padEnd(width)}  ${help}`),
  ];
  if (command.details) parts.push('', command.details.trimEnd());
  parts.push('', 'Example:', `  ${command.example}`);
  return `${parts.join('\n')}\n`;
}
