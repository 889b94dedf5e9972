import type { EventType, PayloadOf } from '../event-catalogue.ts';
import type { StaffPlanningTemplates } from '../staff-routing/plan-staff-notifications.ts';
import { renderTemplate, templateFor } from './render-template.ts';
import type { TemplateLocale } from './template-locale.ts';
import { templateVariables } from './template-variables.ts';

/** The template catalogue as staff planning uses it: the staff member's locale and name. */
export const staffPlanningTemplates: StaffPlanningTemplates = {
  select: (eventType, channel, locale) => templateFor(eventType, channel, locale),
  variables: (eventType, data, recipient, template) =>
    templateVariables(eventType, data as PayloadOf<EventType>, {
      locale: recipient.locale,
      templateLocale: template.locale as TemplateLocale,
      staffName: recipient.staffName,
    }),
  render: (input) => renderTemplate(input),
};
