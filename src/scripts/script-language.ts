/** The languages of uploaded scripts, told apart by the file name's extension. */
export const SCRIPT_LANGUAGES = ['javascript', 'python'] as const;

export type ScriptLanguage = (typeof SCRIPT_LANGUAGES)[number];

/** `.py` is Python; `.js` and `.mjs` are JavaScript modules. */
export function languageOf(name: string): ScriptLanguage {
  return name.endsWith('.py') ? 'python' : 'javascript';
}
