import { builder } from '../builder.ts';

// Each area's types and root fields register themselves on import. Add yours here, one line each.
import './errors.ts';
import './enums.ts';
import './notification.ts';
import './delivery-updated.ts';
import './publish-event.ts';
import './inbound-event.ts';
import './ledger.ts';
import './delivery-stats.ts';
import './channel-preference.ts';
import './retry-notification.ts';
import './channel.ts';
import './reminders.ts';
import './quiet-hours.ts';
import './routing-rules.ts';
import './staff.ts';
import './inbound-message.ts';
import './templates.ts';
import './template-preview.ts';
import './template-mutations.ts';
import './channel-policy.ts';
import './webhook-endpoints.ts';
import './conversations.ts';
import './viewer.ts';
import './webhook-deliveries.ts';
import './erasure.ts';

/** The whole schema, built once. schema.graphql at the repo root is printed from it. */
export const schema = builder.toSchema();
