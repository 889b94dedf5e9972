import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** numeric and int8 come back from pg as strings. */
type Numeric = ColumnType<string, string | number | bigint, string | number | bigint>;
type Json = ColumnType<unknown, string, string>;

/** One row per version of a staff member's record, with the ledger position it took effect at. */
export interface StaffMemberVersionTable {
  staff_id: string;
  revision: Numeric;
  commit_position: Numeric;
  prepare_position: Numeric;
  /** The whole StaffMember as of this version. */
  record: Json;
  centre_ids: Json;
  active: boolean;
  actor: string;
  changed_at: Timestamp;
}

/** One row per version of a routing rule; a deletion is a version too. */
export interface RoutingRuleVersionTable {
  rule_id: string;
  version: number;
  commit_position: Numeric;
  prepare_position: Numeric;
  /** The RoutingRuleSpec as of this version (the last live one for a deletion). */
  rule: Json;
  deleted: boolean;
  actor: string;
  changed_at: Timestamp;
}

/** The staff events the planner has routed, at the position of the receipt it routed. */
export interface StaffEventRoutingTable {
  event_id: string;
  commit_position: Numeric;
  prepare_position: Numeric;
  event_type: string;
  centre_id: string;
  recipients: number;
  decided_at: Timestamp;
}

export interface UnroutedStaffEventTable {
  event_id: string;
  event_type: string;
  centre_id: string;
  reason: string;
  matched_rules: Json;
  recorded_at: Timestamp;
}

export interface StaffAlertTable {
  notification_id: string;
  staff_id: string;
  event_id: string;
  event_type: string;
  centre_id: string | null;
  title: string;
  body: string;
  selection: Json;
  planned_at: Timestamp;
  delivered_at: Timestamp | null;
  read_at: Timestamp | null;
  read_by: string | null;
  /** Whose words the alert carries, when not the staff member's: `patient` or `contact` (a number, by keyed hash). */
  about_kind: string | null;
  about_id: string | null;
}
