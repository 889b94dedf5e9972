import type { ColumnType, Generated } from 'kysely';
import type {
  RoutingRuleVersionTable,
  StaffAlertTable,
  StaffEventRoutingTable,
  StaffMemberVersionTable,
  UnroutedStaffEventTable,
} from './staff/staff-routing.tables.ts';
import type { InboundMessageTable, PendingProviderReportTable, ProviderMessageTable } from './provider-callbacks/provider-callback.tables.ts';
import type { ConversationMessageTable, ConversationPatientTable, ConversationTable } from './conversations/conversation.tables.ts';
import type { WebhookDeliveryAttemptTable, WebhookDeliveryTable, WebhookSubscriptionTable } from './webhooks/webhook-delivery.tables.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** int8 columns come back as strings from pg; we write numbers or strings. */
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;

export interface ProjectionCheckpointTable {
  projection: string;
  commit_position: string;
  prepare_position: string;
  updated_at: Timestamp;
}

export interface InboundEventTable {
  event_id: string;
  event_type: string;
  occurred_at: Timestamp;
  first_received_at: Timestamp;
  last_received_at: Timestamp;
  receipts: number;
  duplicates: Generated<number>;
  mismatched_duplicates: Generated<number>;
  via: string;
  centre_id: string | null;
  applied_revision: Int8;
}

export interface NotificationTable {
  notification_id: string;
  event_id: string;
  event_type: string;
  centre_id: string | null;
  booking_reference: string | null;
  appointment_id: string | null;
  channel: string;
  recipient_kind: string;
  recipient_id: string;
  /** Sealed where personal data is (a cell, sealed-cell.ts): open it before use. `[erased]` once its person is. */
  recipient_address: string | null;
  /** The keyed hash of the address (`contactHash`, by the channel's kind): what lookups by address compare; null once erased. */
  recipient_address_hash: string | null;
  locale: string;
  template_key: string | null;
  template_version: number | null;
  selection: ColumnType<unknown, string, string>;
  status: string;
  suppression_reason: string | null;
  attempts: Generated<number>;
  possible_duplicate: Generated<boolean>;
  provider: string | null;
  provider_message_id: string | null;
  last_error_code: string | null;
  last_error: string | null;
  due_at: Timestamp | null;
  locked_by: string | null;
  locked_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  applied_revision: Int8;
  /** A fallback: the notification it stands in for. */
  fallback_of: string | null;
}

export interface ContactBlockTable {
  channel: string;
  /** The keyed hash of the address (`contactHash` of the channel's kind): the table keeps no address. */
  address_hash: string;
  /** Only on a block recorded before hashes, until the service's start renames it by hash. */
  address: string | null;
  block: 'opted-out' | 'bounced-address';
  reason: string;
  since: Timestamp;
}

export interface PersonBlockTable {
  channel: string;
  person_id: string;
  block: 'opted-out' | 'bounced-address';
  reason: string;
  since: Timestamp;
}

/** Position columns of the reaction state tables: numeric, so they come back as strings. */
type Numeric = ColumnType<string, string | bigint, string | bigint>;

export interface ReminderAppointmentTable {
  appointment_id: string;
  centre_id: string | null;
  state: ColumnType<unknown, string, string>;
  visit: ColumnType<unknown, string | null, string | null>;
  stream_revision: Int8;
  decisions: ColumnType<unknown, string, string>;
  last_commit: Numeric;
  last_prepare: Numeric;
}

export interface ReminderOffsetsTable {
  centre_id: string;
  offsets: ColumnType<unknown, string, string>;
  actor: string;
  set_at: Timestamp;
  last_commit: Numeric;
  last_prepare: Numeric;
}

export interface ReminderTable {
  reminder_id: string;
  appointment_id: string;
  centre_id: string;
  reminder_offset: string;
  scheduled_by: string;
  due_at: Timestamp;
  slot_at: Timestamp;
  status: string;
  reason: string | null;
  fired_at: Timestamp | null;
  locked_by: string | null;
  locked_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EmergencyLeaveAppointmentTable {
  appointment_id: string;
  leave_event_id: string;
  doctor_id: string;
  announced_at: Timestamp;
}

export interface WalkinThresholdTable {
  centre_id: string;
  queue_id: string;
  threshold: number;
  actor: string;
  set_at: Timestamp;
  last_commit: Numeric;
  last_prepare: Numeric;
}

export interface WalkinQueueTable {
  centre_id: string;
  queue_id: string;
  last_occurred_at: Timestamp;
  last_commit: Numeric;
  last_prepare: Numeric;
}

export interface WalkinTokenTable {
  centre_id: string;
  queue_id: string;
  local_date: string;
  token_number: string;
  called: Generated<boolean>;
  notified_commit: Numeric | null;
  notified_prepare: Numeric | null;
  notified_position: number | null;
  notified_threshold: number | null;
}

/** Every read-model table. Each area adds its tables here beside its migration. */
export interface ReadModelDatabase {
  projection_checkpoints: ProjectionCheckpointTable;
  inbound_events: InboundEventTable;
  notifications: NotificationTable;
  contact_blocks: ContactBlockTable;
  person_blocks: PersonBlockTable;
  staff_member_versions: StaffMemberVersionTable;
  routing_rule_versions: RoutingRuleVersionTable;
  staff_event_routings: StaffEventRoutingTable;
  unrouted_staff_events: UnroutedStaffEventTable;
  staff_alerts: StaffAlertTable;
  reminder_appointments: ReminderAppointmentTable;
  reminder_offsets: ReminderOffsetsTable;
  reminders: ReminderTable;
  emergency_leave_appointments: EmergencyLeaveAppointmentTable;
  walkin_thresholds: WalkinThresholdTable;
  walkin_queues: WalkinQueueTable;
  walkin_tokens: WalkinTokenTable;
  provider_messages: ProviderMessageTable;
  pending_provider_reports: PendingProviderReportTable;
  template_history: TemplateHistoryTable;
  template_versions: TemplateVersionTable;
  whatsapp_template_observations: WhatsAppTemplateObservationTable;
  whatsapp_template_refusals: WhatsAppTemplateRefusalTable;
  deadline_rules: DeadlineRuleTable;
  channel_policies: ChannelPolicyTable;
  fallback_sources: FallbackSourceTable;
  fallback_watches: FallbackWatchTable;
  quiet_hours: QuietHoursTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_subscriptions: WebhookSubscriptionTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptTable;
  inbound_messages: InboundMessageTable;
  conversations: ConversationTable;
  conversation_patients: ConversationPatientTable;
  conversation_messages: ConversationMessageTable;
}

export interface TemplateHistoryTable {
  key: string;
  commit_position: string;
  prepare_position: string;
  kind: 'published' | 'retired';
  version: number;
  event_type: string;
  channel: string;
  locale: string;
  centre_id: string | null;
  actor: string;
  changed_at: Timestamp;
}

export interface TemplateVersionTable {
  key: string;
  version: number;
  content: ColumnType<unknown, string, string>;
  note: string | null;
}

export interface WhatsAppTemplateObservationTable {
  commit_position: string;
  prepare_position: string;
  observed_by: string;
  observed_at: Timestamp;
  templates: ColumnType<unknown, string, string>;
}

export interface WhatsAppTemplateRefusalTable {
  commit_position: string;
  prepare_position: string;
  name: string;
  language: string;
  state: string;
  code: string;
  notification_id: string;
  refused_at: Timestamp;
}

export interface DeadlineRuleTable {
  event_type: string;
  /** '' for every centre. */
  centre_id: string;
  rule: ColumnType<unknown, string, string>;
  actor: string;
  set_at: Timestamp;
  last_commit: string;
  last_prepare: string;
}

export interface ChannelPolicyTable {
  event_type: string;
  /** '' for every centre. */
  centre_id: string;
  policy: ColumnType<unknown, string, string>;
  version: number;
  actor: string;
  set_at: Timestamp;
  last_commit: string;
  last_prepare: string;
}

export interface QuietHoursTable {
  centre_id: string;
  /** The window and urgent types (QuietHours); null once an admin cleared them. */
  quiet_hours: ColumnType<unknown, string | null, string | null>;
  actor: string;
  set_at: Timestamp;
  last_commit: string;
  last_prepare: string;
}

/** A notification that may fall back: its chain's state (FallbackArm), no contact and no content. */
export interface FallbackSourceTable {
  notification_id: string;
  fallback_of: string | null;
  event_type: string;
  centre_id: string | null;
  arm: ColumnType<unknown, string, string>;
  /** The deadline every fallback inherits, as recorded (ISO text). */
  send_by: string | null;
  /** The last revision the planner appended to the notification's stream. */
  revision: number;
  delivered: Generated<boolean>;
  fallback_id: string | null;
}

/** A sent notification waiting for its receipt; past `due_at` its fallback is planned. */
export interface FallbackWatchTable {
  notification_id: string;
  fallback_id: string;
  channel: string;
  policy_version: number;
  minutes: number;
  due_at: Timestamp;
}

export interface WebhookEndpointTable {
  endpoint_id: string;
  url: string;
  event_kinds: ColumnType<unknown, string, string>;
  description: string;
  include_contacts: boolean;
  enabled: boolean;
  disabled_reason: string | null;
  /** Sealed secrets with their validity (SigningSecret[]), the current one first. */
  secrets: ColumnType<unknown, string, string>;
  created_by: string;
  created_at: Timestamp;
  version: number;
}
