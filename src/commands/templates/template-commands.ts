import type { Clock } from '../../domain/clock.ts';
import type { Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { formatTemplateKey } from '../../domain/templates/template-content.ts';
import { DEFAULT_TEMPLATES } from '../../domain/templates/default-templates.ts';
import {
  decideInstallDefault,
  decidePublishTemplate,
  decideRetireTemplate,
  evolveTemplate,
  initialTemplateState,
  templateKeyOf,
  type PublishTemplateCommand,
  type Published,
  type TemplateRejection,
} from '../../domain/templates/template-stream.ts';
import type { EventStore } from '../../ledger/event-store.ts';
import { handleCommand, type CommandConflict } from '../handle-command.ts';

export interface TemplateDeps {
  store: EventStore;
  clock: Clock;
}

const fold = { initialState: initialTemplateState, evolve: evolveTemplate };

/** Publishes a version of a template (admin): validated first; a refusal names the field and records nothing. */
export async function publishTemplateVersion(deps: TemplateDeps, command: PublishTemplateCommand): Promise<Result<Published, TemplateRejection | CommandConflict>> {
  const result = await handleCommand(deps.store, streamName.template(formatTemplateKey(command.key)), fold, decidePublishTemplate, { command, clock: deps.clock });
  return result.ok ? { ok: true, value: result.value.answer } : result;
}

/** Retires a template's key (admin): planning falls through to the next candidate, the default or English. */
export async function retireTemplate(deps: TemplateDeps, command: { key: string; actor: string }): Promise<Result<{ key: string; version: number }, TemplateRejection | CommandConflict>> {
  const key = templateKeyOf(command.key);
  if (!key.ok) return key;
  const formatted = formatTemplateKey(key.value);
  const result = await handleCommand(deps.store, streamName.template(formatted), fold, decideRetireTemplate, { command: { ...command, key: formatted }, clock: deps.clock });
  return result.ok ? { ok: true, value: result.value.answer } : result;
}

/**
 * Installs the templates we ship, at start, as `system`: each key's versions on a new key, and the
 * versions a newer release adds where the current version is still the system's own. Several
 * instances starting at once install each version once (ids and revisions are deterministic).
 */
export async function installDefaultTemplates(deps: TemplateDeps): Promise<number> {
  let installed = 0;
  let next = 0;
  // Each key is its own stream: a few at once, so a first start is not ~140 round trips in a row.
  const installer = async () => {
    for (let shipped = DEFAULT_TEMPLATES[next++]; shipped; shipped = DEFAULT_TEMPLATES[next++]) {
      const template = shipped;
      const result = await handleCommand(
        deps.store,
        streamName.template(formatTemplateKey(template.key)),
        fold,
        (state, _command: null, now) => {
          const { events, installed: versions } = decideInstallDefault(state, template, now);
          return { ok: true, value: { events, answer: versions.length } };
        },
        { command: null, clock: deps.clock, start: 'assume-new' },
      );
      if (result.ok) installed += result.value.answer;
    }
  };
  await Promise.all(Array.from({ length: INSTALL_CONCURRENCY }, installer));
  return installed;
}

const INSTALL_CONCURRENCY = 8;
