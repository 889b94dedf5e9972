import { deterministicUuid } from '../../domain/ids.ts';
import { INBOUND_RECEIVED } from '../../domain/intake/inbound-receipt.ts';
import { systemAlertReceipt, type SystemAlert } from '../../domain/intake/system-alert.ts';
import { approvalOf, whatsAppTemplateId } from '../../domain/templates/choose-template.ts';
import {
  TEMPLATE_EVENT_TYPES as T,
  WHATSAPP_TEMPLATE_EVENT_TYPES as W,
  type TemplateRetired,
  type TemplateVersionPublished,
  type WhatsAppTemplateRefused,
  type WhatsAppTemplatesObserved,
} from '../../domain/templates/template-events.ts';
import { parseTemplateKey } from '../../domain/templates/template-content.ts';
import { categoryOf, streamName } from '../../domain/stream-name.ts';
import type { PlanDecision } from '../../domain/notifications/plan-notifications.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { templateCatalogue } from './template-catalogue-state.ts';
import { recordWhatsAppObservation, recordWhatsAppRefusal } from './templates.queries.ts';

/**
 * Templates and their state at the WhatsApp provider, folded with the ledger position each took
 * effect at, so planning picks the version current before the event it plans. A sync that finds
 * mapped templates Meta would refuse, and a send Meta refused for its template, alert the admins.
 */
export const templateReaction: LedgerReaction = {
  name: 'templates',
  handles: (e) => {
    const category = categoryOf(e.stream);
    return category === 'template' || category === 'whatsapp-templates';
  },
  async react(event: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
    const { db, state } = context;
    const catalogue = state.of(templateCatalogue);
    switch (event.type) {
      case T.published: {
        const e = event.data as TemplateVersionPublished;
        const change = { key: e.key, eventType: e.eventType, channel: e.channel, locale: e.locale, centreId: e.centreId, version: e.version };
        catalogue.recorded({
          change: { ...change, kind: 'published', actor: e.publishedBy, at: e.publishedAt },
          position: event.position,
          content: { content: e.content, ...(e.note === undefined ? {} : { note: e.note }) },
        });
        return [];
      }
      case T.retired: {
        const e = event.data as TemplateRetired;
        const parsed = parseTemplateKey(e.key);
        if (!parsed.ok) return [];
        catalogue.recorded({ change: { ...parsed.key, key: e.key, kind: 'retired', version: e.version, actor: e.retiredBy, at: e.retiredAt }, position: event.position });
        return [];
      }
      case W.observed: {
        const e = event.data as WhatsAppTemplatesObserved;
        // The mapped versions as they stood before this sync, judged by what it saw.
        const before = await catalogue.asOf(event.position);
        await recordWhatsAppObservation(db, event.position, e);
        catalogue.changed();
        const observed = new Map(e.templates.map((t) => [whatsAppTemplateId(t.name, t.language), t]));
        const problems = before.all()
          .flatMap((t) => (t.content.channel === 'whatsapp' ? [{ key: t.key, version: t.version, content: t.content }] : []))
          .map((t) => ({ ...t, state: approvalOf(t.content, { observed, refused: new Map() }) }))
          .filter((t) => t.state !== 'approved');
        if (problems.length === 0) return [];
        const counts = new Map<string, number>();
        for (const p of problems) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
        const summary = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
        const lines = problems.map((p) => `${p.key} v${p.version} (${p.content.name}, ${p.content.language}): ${p.state}`);
        return [alertAppend(`system:whatsapp-sync:${event.id}`, {
          kind: 'template-not-approved',
          subject: `${problems.length} WhatsApp template${problems.length === 1 ? ' is' : 's are'} not approved as mapped`,
          message: fitAlert(`${summary}. Messages that use them are suppressed until fixed.`, lines),
        }, event, context)];
      }
      case W.refused: {
        const e = event.data as WhatsAppTemplateRefused;
        await recordWhatsAppRefusal(db, event.position, e);
        catalogue.changed();
        return [alertAppend(`system:whatsapp-refused:${event.id}`, {
          kind: 'template-refused',
          subject: `WhatsApp refused template ${e.name} (${e.language})`,
          message: `The provider answered ${e.code}: the template is ${e.state}. Later messages that map to it are suppressed until a sync finds it approved as mapped.`,
        }, event, context)];
      }
      default:
        return [];
    }
  },
};

/** An admin alert, recorded as a generated inbound event that staff routing then sends. */
export function alertAppend(eventId: string, alert: SystemAlert, cause: RecordedEvent, context: Pick<ReactionContext, 'clock'>): PendingAppend {
  return {
    stream: streamName.inbound(eventId),
    expected: 'no-stream',
    events: [{
      id: deterministicUuid('system-alert', eventId),
      type: INBOUND_RECEIVED,
      data: systemAlertReceipt(eventId, alert, context.clock.now()),
      metadata: { correlationId: eventId, causationId: cause.id },
    }],
  };
}

/**
 * Messages suppressed because their WhatsApp template is not approved as mapped: one alert per
 * problem for as long as the provider's word stands (a later sync or refusal may alert again).
 */
export async function notApprovedAlerts(decisions: readonly PlanDecision[], cause: RecordedEvent, context: ReactionContext): Promise<PendingAppend[]> {
  const problems = [...new Set(decisions.flatMap((d) => (d.kind === 'suppressed' && d.event.reason === 'template-not-approved' ? [d.event.detail] : [])))];
  if (problems.length === 0) return [];
  const { epoch } = await context.state.of(templateCatalogue).asOf(cause.position);
  return problems.map((detail) => alertAppend(`system:template-not-approved:${deterministicUuid('template-not-approved', detail, epoch)}`, {
    kind: 'template-not-approved',
    subject: 'WhatsApp messages suppressed: template not approved',
    message: `${detail}. Messages that use it are suppressed; publish a version that matches an approved template, or sync again once Meta approves it.`,
  }, cause, context));
}

const MAX_ALERT_MESSAGE = 2_000;

/** The lead, then as many lines as fit the alert's length, and how many were left out. */
function fitAlert(lead: string, lines: readonly string[]): string {
  let message = lead;
  for (const [i, line] of lines.entries()) {
    const rest = lines.length - i - 1;
    const tail = rest > 0 ? `; and ${rest} more` : '';
    const next = `${message}${i === 0 ? ' ' : '; '}${line}`;
    if (next.length + tail.length + 1 > MAX_ALERT_MESSAGE) return `${message}; and ${lines.length - i} more.`;
    message = next;
  }
  return `${message}.`;
}

