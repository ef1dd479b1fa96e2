import type { ScriptLanguage } from '../scripts/script-language.js';

/** A script's code and the language it is written in. */
export interface ScriptCode {
  source: string;
  language: ScriptLanguage;
}

/** Injection token of the {@link ScriptSource} ScriptJob reads uploaded scripts from. */
export const SCRIPT_SOURCE = Symbol('SCRIPT_SOURCE');

/** Where ScriptJob gets a script's code (the scripts module, src/scripts/, provides the real one). */
export interface ScriptSource {
  /**
   * The source text (and language) of script `scriptId` if `ownerId` may run it (their own script; an admin's job:
   * any), else null, which ScriptJob reports as "not found" (it never says whether it exists).
   */
  sourceFor(scriptId: string, ownerId: string | null): Promise<ScriptCode | null>;
}
