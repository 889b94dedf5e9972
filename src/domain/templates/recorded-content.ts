import type { NotificationPlanned } from '../notifications/notification-events.ts';
import { err, ok, type Result } from '../result.ts';
import { defaultTemplateVersion } from './default-templates.ts';
import { renderContent } from './render-content.ts';
import type { RenderedMessage } from './rendered-message.ts';

/** Renders a notification planned before its words were recorded, with the template version it recorded. */
export type RenderRecordedVersion = (planned: Pick<NotificationPlanned, 'template' | 'variables'>) => Result<RenderedMessage, { message: string }>;

/**
 * Notifications planned before templates were ledger data hold variables and no content; every
 * template then was a version 1 we shipped, and that text is kept (DEFAULT_TEMPLATES) for them.
 */
export const renderRecordedVersion: RenderRecordedVersion = ({ template, variables }) => {
  if (!template) return err({ message: 'a notification with no template must record its words' });
  const content = defaultTemplateVersion(template.key, template.version);
  if (!content) return err({ message: `template ${template.key} v${template.version} is not known to this release` });
  return renderContent(template.key, content, variables);
};

/** The words of a planned notification: as recorded, or for an older one, its recorded version rendered once. */
export function wordsOf(planned: Pick<NotificationPlanned, 'template' | 'variables' | 'content'>, render: RenderRecordedVersion = renderRecordedVersion): Result<RenderedMessage, { message: string }> {
  return planned.content ? ok(planned.content) : render(planned);
}
