import type { ColumnType, Generated } from 'kysely';
import type {
  RoutingRuleVersionTable,
  StaffAlertTable,
  StaffEventRoutingTable,
  StaffMemberVersionTable,
  UnroutedStaffEventTable,
} from './staff-routing.tables.ts';

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
  recipient_address: string | null;
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
}

export interface ContactBlockTable {
  channel: string;
  address: string;
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
}
