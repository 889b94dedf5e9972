import type { Access } from '../access.ts';
import {
  CONVERSATION_THREAD,
  CONVERSATION_UPDATED,
  ConversationThreadAnswer,
  ConversationUpdatedAnswer,
  LIST_CONVERSATIONS,
  LIST_SIZE,
  ListConversationsAnswer,
  REPLY_TO_PATIENT,
  ReplyToPatientAnswer,
  type ConversationSummary,
  type Thread,
} from '../conversation-documents.ts';
import { ConversationStore, summaryOf } from '../conversation-store.ts';
import { replyBlockedReason } from '../conversation-window.ts';
import { h } from '../dom.ts';
import { ForbiddenError, UnauthorizedError, type GraphqlClient, type SubscriptionStatus } from '../graphql-client.ts';
import { formatDateTime, messageTypeLabel } from '../vocabulary.ts';
import { ConversationList, whoLabel } from './conversation-list-view.ts';
import { ReplyBox, type ReplyOutcome } from './reply-box.ts';
import { renderMessages, renderThreadHead } from './thread-view.ts';

/** How often the windows' time left is counted down on screen. */
const TICK_MS = 30_000;
/** A burst of changes to the open conversation is read once. */
const REFRESH_DELAY_MS = 250;
/** Statuses a reply sent from here is followed through (its status changes raise no conversation update). */
const PENDING_STATUSES = new Set(['planned', 'sending', 'deferred']);
const FOLLOW_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000];

export interface ConversationsHooks {
  onError(error: unknown): void;
  onConnection(state: ConversationStore['connection'], detail: string): void;
}

/**
 * The Conversations page: the list kept live by `conversationUpdated`, the open conversation's
 * thread (read again whenever it changes), and the reply box under it.
 */
export class ConversationsPage {
  readonly element = h('main', { class: 'page', hidden: true, 'data-testid': 'conversations-page' });
  readonly #store = new ConversationStore();
  readonly #list: ConversationList;
  readonly #count = h('p', { class: 'muted small' });
  readonly #head = h('header', { class: 'drawer-head thread-head' });
  readonly #messages = h('ol', { class: 'thread', 'aria-label': 'Messages', 'data-testid': 'thread', tabindex: '0' });
  readonly #reply: ReplyBox;
  readonly #announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'announcer' });
  #openId: string | null = null;
  /** The open thread as last read, and the patient it was read (and is answered) through. */
  #thread: { conversation: Thread; patientId: string } | null = null;
  #loaded = false;
  #started = false;
  #canReply: boolean;
  #unsubscribe: (() => void) | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #following = new Set<string>();
  #followAttempt = 0;

  constructor(
    private readonly client: GraphqlClient,
    access: Access,
    private readonly hooks: ConversationsHooks,
  ) {
    this.#canReply = access.reply;
    this.#list = new ConversationList((id) => void this.open(id));
    this.#reply = new ReplyBox((text, key) => this.#send(text, key));
    this.element.append(
      h(
        'div',
        { class: 'conversations-layout' },
        h('section', { class: 'card list-card' }, h('div', { class: 'list-head' }, h('div', {}, h('h2', {}, 'Conversations'), this.#count)), this.#list.element),
        h('section', { class: 'card thread-card', 'aria-label': 'Conversation' }, this.#head, this.#messages, this.#reply.element),
      ),
      this.#announcer,
    );
    this.#store.listen((change) => {
      if (change.kind === 'connection') return this.hooks.onConnection(this.#store.connection, this.#store.connectionDetail);
      const rows = this.#store.rows;
      this.#list.render(rows, change.kind === 'upsert' ? [change.conversation.id] : []);
      const unanswered = rows.filter((c) => c.messages.at(-1)?.direction === 'IN').length;
      this.#count.textContent = `${rows.length >= LIST_SIZE ? `The ${rows.length} with the latest messages` : `${rows.length} in all`}; ${unanswered} unanswered.`;
    });
    this.#showNothing();
  }

  show(): void {
    this.element.hidden = false;
    if (this.#started) return;
    this.#started = true;
    this.#store.setConnection('connecting');
    void this.#reload();
    this.#subscribe();
    this.#tick = setInterval(() => this.#redrawTimes(), TICK_MS);
  }

  hide(): void {
    this.element.hidden = true;
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#tick) clearInterval(this.#tick);
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
  }

  get openId(): string | null {
    return this.#openId;
  }

  /** Opens a conversation's thread; the address names it (its id is a keyed hash, never the number). */
  async open(id: string): Promise<void> {
    if (location.hash !== `#conversation=${id}`) history.replaceState(null, '', `#conversation=${id}`);
    if (this.#openId !== id) {
      this.#openId = id;
      this.#thread = null;
      this.#following.clear();
      this.#list.select(id);
      this.#reply.reset();
      const summary = this.#store.get(id);
      renderThreadHead(this.#head, summary ?? null);
      renderMessages(this.#messages, [], 'Loading…');
      this.#reply.setBlocked('Loading the conversation…');
    }
    await this.#loadThread(id);
  }

  #showNothing(): void {
    renderThreadHead(this.#head, null);
    renderMessages(this.#messages, [], 'Choose a conversation to read its messages and reply.');
    this.#reply.setBlocked('Choose a conversation first.');
  }

  async #reload(): Promise<void> {
    try {
      const { conversations } = await this.client.request(LIST_CONVERSATIONS, { first: LIST_SIZE }, ListConversationsAnswer);
      this.#loaded = true;
      this.#store.replace(conversations);
      if (this.#openId) await this.#loadThread(this.#openId);
    } catch (error) {
      this.hooks.onError(error);
    }
  }

  #subscribe(): void {
    this.#unsubscribe = this.client.subscribe(CONVERSATION_UPDATED, {}, {
      onData: (data) => {
        const parsed = ConversationUpdatedAnswer.safeParse(data);
        if (!parsed.success) return this.hooks.onError(new Error('An update from the server had an unexpected shape.'));
        this.#apply(parsed.data.conversationUpdated);
      },
      onError: (message) => this.hooks.onError(new Error(message)),
      onStatus: (status: SubscriptionStatus, detail) => {
        if (status === 'unauthorized') return this.hooks.onError(new UnauthorizedError('The token was refused.'));
        const wasLive = this.#store.connection === 'live';
        this.#store.setConnection(status, detail);
        // Changes made while the stream was down are not replayed to us: read the current state.
        if (status === 'live' && !wasLive && this.#loaded) void this.#reload();
      },
    });
  }

  #apply(conversation: ConversationSummary): void {
    const before = this.#store.get(conversation.id)?.messages.at(-1)?.id;
    this.#store.upsert(conversation);
    if (conversation.id === this.#openId) return this.#refreshSoon();
    const last = conversation.messages.at(-1);
    if (last?.direction === 'IN' && last.id !== before) this.#announce(`New message from ${whoLabel(conversation)}.`);
  }

  #refreshSoon(delayMs = REFRESH_DELAY_MS): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      if (this.#openId) void this.#loadThread(this.#openId);
    }, delayMs);
  }

  /**
   * Reads the thread through a patient the conversation names: the API finds a patient's latest
   * conversation, so the patient whose latest this is (usually the first) is the one to answer.
   */
  async #loadThread(id: string): Promise<void> {
    const summary = this.#store.get(id);
    if (!summary) {
      if (this.#loaded) this.#showNote(null, 'This conversation is not among those this token may read.');
      return;
    }
    if (summary.patients.length === 0) return this.#showNote(summary, `Not linked to a patient yet. Last message: ${lastWords(summary)}`);
    try {
      for (const patient of summary.patients) {
        const { conversation } = await this.client.request(CONVERSATION_THREAD, { patientId: patient.id }, ConversationThreadAnswer);
        if (this.#openId !== id) return;
        if (conversation?.id === id) return this.#showThread(conversation, patient.id);
      }
      this.#showNote(summary, "Its patients' latest messages are on another number, so this older conversation cannot be opened or answered here.");
    } catch (error) {
      if (this.#openId === id) this.hooks.onError(error);
    }
  }

  #showThread(conversation: Thread, patientId: string): void {
    const previous = this.#thread?.conversation.id === conversation.id ? new Set(this.#thread.conversation.messages.map((m) => m.id)) : null;
    const atBottom = this.#messages.scrollHeight - this.#messages.scrollTop - this.#messages.clientHeight < 40;
    this.#thread = { conversation, patientId };
    this.#store.upsert(summaryOf(conversation));
    renderThreadHead(this.#head, conversation);
    renderMessages(this.#messages, conversation.messages);
    if (!previous || atBottom) this.#messages.scrollTop = this.#messages.scrollHeight;
    this.#reply.setBlocked(this.#blockedReason(conversation));
    const arrived = previous ? conversation.messages.filter((m) => m.direction === 'IN' && !previous.has(m.id)) : [];
    for (const m of arrived) this.#announce(`${whoLabel(conversation)} wrote: ${m.text ?? messageTypeLabel(m.type)}`);
    this.#followReplies(conversation);
  }

  #showNote(summary: ConversationSummary | null, note: string): void {
    this.#thread = null;
    renderThreadHead(this.#head, summary);
    renderMessages(this.#messages, [], note);
    this.#reply.setBlocked(summary && summary.patients.length === 0 ? this.#blockedReason(summary) : note);
  }

  /** Reads the thread again while a reply sent from here is still on its way, with a growing pause. */
  #followReplies(conversation: Thread): void {
    const pending = conversation.messages.filter((m) => m.notification && this.#following.has(m.notification.id) && PENDING_STATUSES.has(m.notification.status));
    for (const id of [...this.#following]) if (!pending.some((m) => m.notification?.id === id)) this.#following.delete(id);
    const delay = FOLLOW_DELAYS_MS[this.#followAttempt];
    if (pending.length === 0 || delay === undefined) return this.#following.clear();
    this.#followAttempt++;
    this.#refreshSoon(delay);
  }

  #blockedReason(conversation: Pick<ConversationSummary, 'window' | 'patients'>): string | null {
    return replyBlockedReason(conversation, this.#canReply, Date.now());
  }

  async #send(text: string, idempotencyKey: string): Promise<ReplyOutcome> {
    const open = this.#thread;
    if (!open) return { kind: 'refused', message: 'Open a conversation first.' };
    try {
      const { replyToPatient: answer } = await this.client.request(REPLY_TO_PATIENT, { patientId: open.patientId, text, idempotencyKey }, ReplyToPatientAnswer);
      switch (answer.__typename) {
        case 'ReplySent':
          this.#following.add(answer.notificationId);
          this.#followAttempt = 0;
          if (answer.conversation?.id === this.#openId) this.#showThread(answer.conversation, open.patientId);
          else this.#refreshSoon();
          return { kind: 'sent', created: answer.created };
        case 'WindowClosed':
          this.#refreshSoon(0);
          return { kind: 'refused', message: `${answer.closedAt ? `Window closed at ${formatDateTime(answer.closedAt)}` : 'The patient has not written on WhatsApp'}: WhatsApp allows only templates now. Nothing was sent.` };
        case 'ValidationError':
          return { kind: 'refused', message: answer.issues.map((i) => i.message).join('; ') || answer.message };
        case 'NotFoundError':
          return { kind: 'refused', message: 'This token may not answer this conversation (or it is gone). Nothing was sent.' };
      }
    } catch (error) {
      if (error instanceof ForbiddenError) {
        this.#canReply = false;
        this.#reply.setBlocked(this.#blockedReason(open.conversation));
        return { kind: 'refused', message: `This token may not reply to patients (${error.message}). Nothing was sent.` };
      }
      if (error instanceof UnauthorizedError) this.hooks.onError(error);
      return { kind: 'unknown', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The time left on each window, and whether the open one still takes a reply. */
  #redrawTimes(): void {
    this.#list.redraw();
    const open = this.#thread?.conversation ?? (this.#openId ? this.#store.get(this.#openId) : undefined);
    if (!open) return;
    renderThreadHead(this.#head, open);
    if (this.#thread) this.#reply.setBlocked(this.#blockedReason(open));
  }

  #announce(message: string): void {
    this.#announcer.textContent = message;
  }
}

const lastWords = (c: ConversationSummary): string => {
  const last = c.messages.at(-1);
  return last ? (last.text ?? messageTypeLabel(last.type)) : '—';
};
