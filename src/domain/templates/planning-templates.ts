import type { EventType, PayloadOf } from '../event-catalogue.ts';
import type { PlanningTemplates } from '../notifications/plan-notifications.ts';
import type { StaffPlanningTemplates } from '../staff-routing/plan-staff-notifications.ts';
import { chooseTemplate, templateCandidates, type TemplateVersionRef } from './choose-template.ts';
import { DEFAULT_TEMPLATES } from './default-templates.ts';
import { renderContent } from './render-content.ts';
import { formatTemplateKey } from './template-content.ts';
import type { TemplateApprovalState } from './template-events.ts';
import { templateLocale } from './template-locale.ts';
import { templateVariables } from './template-variables.ts';

/** Templates as they stand at one moment: each key's current version, and its state at the provider. */
export interface TemplateSource {
  current(key: string): TemplateVersionRef | null;
  approval(content: Extract<TemplateVersionRef['content'], { channel: 'whatsapp' }>): TemplateApprovalState;
}

/** Patient planning over a template source. */
export function planningTemplatesFrom(source: TemplateSource): PlanningTemplates {
  return {
    select: (eventType, channel, locales, centreId) => chooseTemplate(templateCandidates(eventType, channel, locales, centreId), (key) => source.current(key)),
    approval: (template) => (template.content.channel === 'whatsapp' ? source.approval(template.content) : 'unknown'),
    variables: (eventType, data, target, template) =>
      templateVariables(eventType, data as PayloadOf<EventType>, {
        locale: target.locale,
        templateLocale: templateLocale(template.locale),
        ...(target.affectedIndex !== undefined && target.appointmentId ? { appointmentId: target.appointmentId } : {}),
      }),
    render: (template, variables) => renderContent(template.key, template.content, variables),
  };
}

/** Staff planning over a template source: the staff member's locale and name. */
export function staffPlanningTemplatesFrom(source: TemplateSource): StaffPlanningTemplates {
  const patient = planningTemplatesFrom(source);
  return {
    select: patient.select,
    approval: patient.approval,
    variables: (eventType, data, recipient, template) =>
      templateVariables(eventType, data as PayloadOf<EventType>, {
        locale: recipient.locale,
        templateLocale: templateLocale(template.locale),
        staffName: recipient.staffName,
      }),
    render: patient.render,
  };
}

/** The latest version we ship of every default, never synced with a provider: for tools and tests without a ledger. */
export const shippedTemplates: TemplateSource = (() => {
  const latest = new Map<string, TemplateVersionRef>(DEFAULT_TEMPLATES.map((t) => {
    const key = formatTemplateKey(t.key);
    return [key, { key, version: t.versions.length, locale: t.key.locale, centreId: t.key.centreId, content: t.versions.at(-1)! }];
  }));
  return { current: (key) => latest.get(key) ?? null, approval: () => 'unknown' };
})();

export const planningTemplates: PlanningTemplates = planningTemplatesFrom(shippedTemplates);
export const staffPlanningTemplates: StaffPlanningTemplates = staffPlanningTemplatesFrom(shippedTemplates);
