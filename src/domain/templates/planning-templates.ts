import type { EventType, PayloadOf } from '../event-catalogue.ts';
import type { PlanningTemplates } from '../notifications/plan-notifications.ts';
import { renderTemplate, templateFor } from './render-template.ts';
import type { TemplateLocale } from './template-locale.ts';
import { templateVariables } from './template-variables.ts';

/** The template catalogue as the planner and the dispatcher use it. */
export const planningTemplates: PlanningTemplates = {
  select: (eventType, channel, locale) => templateFor(eventType, channel, locale),
  variables: (eventType, data, target, template) =>
    templateVariables(eventType, data as PayloadOf<EventType>, {
      locale: target.locale,
      templateLocale: template.locale as TemplateLocale,
      ...(target.affectedIndex !== undefined && target.appointmentId ? { appointmentId: target.appointmentId } : {}),
    }),
  render: (input) => renderTemplate(input),
};
