import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_deliveries.ts';
import * as m0002 from './0002_create_planner_state.ts';
import * as m0003 from './0003_create_staff_routing.ts';
import * as m0004 from './0004_create_reminders_and_walkin.ts';
import * as m0005 from './0005_create_staff_alerts.ts';
import * as m0006 from './0006_create_provider_callbacks.ts';
import * as m0007 from './0007_index_due_by_channel.ts';
import * as m0008 from './0008_create_templates.ts';
import * as m0009 from './0009_create_deadline_rules.ts';
import * as m0010 from './0010_create_channel_policies_and_fallbacks.ts';
import * as m0011 from './0011_create_quiet_hours.ts';
import * as m0012 from './0012_create_webhook_endpoints.ts';
import * as m0013 from './0013_create_webhook_deliveries.ts';
import * as m0014 from './0014_create_conversations.ts';
import * as m0015 from './0015_add_staff_alert_subject.ts';
import * as m0016 from './0016_add_notification_address_hash.ts';
import * as m0017 from './0017_seal_conversations_and_inbound.ts';
import * as m0018 from './0018_contact_blocks_by_keyed_hash.ts';
import * as m0019 from './0019_note_read_models_written_in_clear.ts';
import * as m0020 from './0020_notifications_room_to_update.ts';

/**
 * Frozen, numbered, in order; never edit one after it shipped. Numbers are reserved per area so
 * parallel work does not collide: 0001 deliveries, 0002 planner state (preferences, channels),
 * 0003 staff directory and routing, 0004 reminders and walk-in, 0005 in-app alerts,
 * 0006 provider callbacks and inbound messages, 0007 the deliveries' due index per channel, 0008 templates,
 * 0009 relevance deadline rules, 0010 channel policies and fallbacks, 0011 quiet hours, 0012 webhook endpoints,
 * 0013 webhook deliveries, 0014 conversations, 0015 whose words an in-app alert carries,
 * 0016-0018 keyed hashes for read models that keep personal data sealed (0016 a notification's address,
 * 0017 conversations and inbound messages, 0018 opt-out blocks), 0019 read models written in clear before, 0020 room on the notifications' pages for updates in place.
 */
export const readModelMigrations: Record<string, Migration> = {
  '0001_create_deliveries': m0001,
  '0002_create_planner_state': m0002,
  '0003_create_staff_routing': m0003,
  '0004_create_reminders_and_walkin': m0004,
  '0005_create_staff_alerts': m0005,
  '0006_create_provider_callbacks': m0006,
  '0007_index_due_by_channel': m0007,
  '0008_create_templates': m0008,
  '0009_create_deadline_rules': m0009,
  '0010_create_channel_policies_and_fallbacks': m0010,
  '0011_create_quiet_hours': m0011,
  '0012_create_webhook_endpoints': m0012,
  '0013_create_webhook_deliveries': m0013,
  '0014_create_conversations': m0014,
  '0015_add_staff_alert_subject': m0015,
  '0016_add_notification_address_hash': m0016,
  '0017_seal_conversations_and_inbound': m0017,
  '0018_contact_blocks_by_keyed_hash': m0018,
  '0019_note_read_models_written_in_clear': m0019,
  '0020_notifications_room_to_update': m0020,
};
