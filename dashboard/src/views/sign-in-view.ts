import { h } from '../dom.ts';

/** The sign-in card: a token, checked against the API (what it may read) before it is kept. */
export function renderSignIn(root: HTMLElement, onSubmit: (token: string) => Promise<string | null>, message = ''): void {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'Paste a token',
    required: true,
  });
  const error = h('p', { class: 'sign-in-error', role: 'alert' }, message);
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in-card' },
    h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark' }), 'Clinic notification ledger'),
    h('h1', {}, 'Live deliveries'),
    h('p', { class: 'muted' }, 'Sign in with a dashboard, front desk, auditor or admin token. Dashboard tokens see contacts masked; a front desk sees its centres\' conversations.'),
    h('label', { for: 'token' }, 'API token'),
    input,
    error,
    button,
    h(
      'p',
      { class: 'hint' },
      'On a local run, ',
      h('code', {}, 'npm start'),
      ' prints the tokens at first start and keeps them in ',
      h('code', {}, 'data/api-tokens.json'),
      '. The token stays in this tab only.',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    error.textContent = '';
    void onSubmit(token).then((problem) => {
      button.disabled = false;
      if (problem) error.textContent = problem;
    });
  });
  root.replaceChildren(h('main', { class: 'sign-in' }, form));
  input.focus();
}
