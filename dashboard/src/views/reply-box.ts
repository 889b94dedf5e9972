import { h } from '../dom.ts';

/** What became of one send. */
export type ReplyOutcome =
  | { kind: 'sent'; created: boolean }
  /** The API answered no (window closed, bad text, unknown patient, not this token): nothing was recorded. */
  | { kind: 'refused'; message: string }
  /** No answer (the network, a server error): the reply may or may not have been recorded. */
  | { kind: 'unknown'; message: string };

/** The longest text WhatsApp takes in one message. */
const MAX_TEXT = 4096;

/**
 * The reply composer. Each composed message gets its own idempotency key at its first send, and
 * keeps it until the API answers: a send that got no answer is sent again with the same key, so
 * the patient gets it once however often it is retried. Its text is locked meanwhile, since the
 * same key would answer the first text.
 */
export class ReplyBox {
  readonly element: HTMLFormElement;
  readonly #text = h('textarea', { id: 'reply-text', name: 'text', rows: '3', maxlength: String(MAX_TEXT), 'aria-describedby': 'reply-reason reply-status' });
  readonly #reason = h('p', { id: 'reply-reason', class: 'reply-reason', 'data-testid': 'reply-reason', hidden: true });
  readonly #status = h('p', { id: 'reply-status', class: 'reply-status', role: 'status', 'data-testid': 'reply-status' });
  readonly #send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  readonly #discard = h('button', { type: 'button', class: 'ghost', hidden: true }, 'Discard');
  #key: string | null = null;
  /** Which draft this is: an answer that comes back after another conversation was opened is not this draft's. */
  #draft = 0;
  #uncertain = false;
  #busy = false;
  #blocked: string | null = 'Choose a conversation first.';

  constructor(private readonly onSend: (text: string, idempotencyKey: string) => Promise<ReplyOutcome>) {
    this.element = h(
      'form',
      { class: 'reply-box', 'aria-label': 'Reply', 'data-testid': 'reply-box' },
      h('label', { for: 'reply-text' }, 'Reply on WhatsApp'),
      this.#reason,
      this.#text,
      h('div', { class: 'reply-actions' }, this.#status, this.#discard, this.#send),
    );
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#submit();
    });
    this.#text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.#submit();
      }
    });
    this.#discard.addEventListener('click', () => {
      this.#forget();
      this.#text.value = '';
      this.#say('Discarded. If the last send did reach the service, the patient has it.');
      this.#draw();
    });
    this.#draw();
  }

  /** Another conversation was opened: a new draft. */
  reset(): void {
    this.#draft++;
    this.#busy = false;
    this.#forget();
    this.#text.value = '';
    this.#say('');
  }

  /** Why no reply may be sent now (null: one may). */
  setBlocked(reason: string | null): void {
    this.#blocked = reason;
    this.#draw();
  }

  async #submit(): Promise<void> {
    if (this.#busy || this.#blocked) return;
    const text = this.#text.value;
    if (!text.trim()) return this.#say('Write a reply first.', true);
    this.#key ??= newIdempotencyKey();
    this.#busy = true;
    this.#say('Sending…');
    this.#draw();
    const draft = this.#draft;
    const outcome = await this.onSend(text, this.#key);
    if (draft !== this.#draft) return;
    this.#busy = false;
    switch (outcome.kind) {
      case 'sent':
        this.#forget();
        this.#text.value = '';
        this.#say(outcome.created ? 'Sent.' : 'Sent already: nothing more was sent.');
        break;
      case 'refused':
        this.#forget();
        this.#say(outcome.message, true);
        break;
      case 'unknown':
        this.#uncertain = true;
        this.#say(`No answer from the service (${outcome.message}): the reply may have gone. Send again to retry; the patient gets it once at most.`, true);
        break;
    }
    this.#draw();
    if (outcome.kind === 'sent' && !this.#blocked) this.#text.focus();
  }

  #forget(): void {
    this.#key = null;
    this.#uncertain = false;
  }

  #say(message: string, isError = false): void {
    this.#status.textContent = message;
    this.#status.classList.toggle('error', isError);
  }

  #draw(): void {
    const blocked = this.#blocked !== null;
    this.#reason.hidden = !blocked;
    this.#reason.textContent = this.#blocked ?? '';
    this.#text.disabled = blocked;
    this.#text.readOnly = this.#busy || this.#uncertain;
    this.#send.disabled = blocked || this.#busy;
    this.#send.textContent = this.#uncertain ? 'Send again' : 'Send';
    this.#discard.hidden = !this.#uncertain || this.#busy;
    this.element.dataset.state = blocked ? 'blocked' : this.#busy ? 'sending' : this.#uncertain ? 'uncertain' : 'ready';
  }
}

/** A random UUID; `crypto.randomUUID` exists only on https and localhost pages, so build one elsewhere. */
function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
