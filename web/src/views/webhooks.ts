/**
 * Webhooks: subscriptions (URL, events, created, disabled reason), subscribe (the secret shown once), rotate the
 * secret with an overlap, delete, and each subscription's delivery log.
 */
import { api, ok, type Webhook, type WebhookEvent } from '../api/client.js';
import { announce, clear, errorBox, field, h, section, table, when } from '../dom.js';
import type { Route } from '../router.js';

const EVENTS: WebhookEvent[] = ['inspection.completed', 'inspection.failed', 'profile.updated'];

export async function webhooksView(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, 'Webhooks')));
  const secretBox = h('div', { 'aria-live': 'polite' });
  const listBox = h('div');
  const deliveriesBox = h('div');

  const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://lims.example.com/hooks/mmdo' });
  const description = h('input', { type: 'text', name: 'description', maxlength: '500' });
  const eventBoxes = EVENTS.map((e) => h('input', { type: 'checkbox', name: 'events', value: e, id: `event-${e}`, checked: true }));
  const form = h('form', { className: 'webhook-form' },
    field('Target URL', url, 'https; plain http only to this machine (loopback) on the local service.'),
    h('fieldset', {}, h('legend', {}, 'Events'), EVENTS.map((e, i) => h('div', { className: 'field check' }, eventBoxes[i]!, h('label', { for: `event-${e}` }, e)))),
    field('Description', description),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'primary' }, 'Subscribe')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(secretBox);
    const events = eventBoxes.filter((b) => b.checked).map((b) => b.value as WebhookEvent);
    try {
      const created = await ok(api.POST('/v1/webhooks', { body: { url: url.value.trim(), events, ...(description.value.trim() ? { description: description.value.trim() } : {}) } }));
      secretBox.appendChild(secretNotice(created.secret, 'Subscribed.'));
      form.reset();
      await refresh();
    } catch (error) {
      secretBox.appendChild(errorBox(error));
    }
  });

  async function refresh(): Promise<void> {
    const list = await ok(api.GET('/v1/webhooks', { signal }));
    clear(listBox);
    if (list.items.length === 0) {
      listBox.appendChild(h('p', { className: 'muted' }, 'No subscriptions.'));
      return;
    }
    listBox.appendChild(table('Subscriptions', ['URL', 'Events', 'Created', 'State', ''], list.items.map((w) => [
      h('span', { className: 'mono' }, w.url), w.events.join(', '), when(w.createdAt), w.disabledReason ? `disabled: ${w.disabledReason}` : 'active',
      h('span', { className: 'actions' },
        h('button', { type: 'button', className: 'small', onclick: () => void showDeliveries(w) }, 'Deliveries'),
        h('button', { type: 'button', className: 'small', onclick: () => void rotate(w) }, 'Rotate secret'),
        h('button', { type: 'button', className: 'small danger', onclick: () => void remove(w) }, 'Delete')),
    ]), { hideCaption: true }));
  }

  async function showDeliveries(w: Webhook): Promise<void> {
    clear(deliveriesBox);
    try {
      const d = await ok(api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: w.id } } }));
      deliveriesBox.appendChild(section(`Deliveries to ${w.url}`, d.items.length === 0 ? h('p', { className: 'muted' }, 'None yet.')
        : table('Deliveries', ['Event', 'Message', 'Status', 'Attempts', 'Last answer', 'Updated'], d.items.map((x) => [
          x.eventType, h('span', { className: 'mono small' }, x.messageId), x.status, String(x.attempts), x.lastStatus !== null ? String(x.lastStatus) : (x.lastError ?? '—'), when(x.updatedAt),
        ]), { hideCaption: true })));
      deliveriesBox.querySelector('h2')?.setAttribute('tabindex', '-1');
      (deliveriesBox.querySelector('h2') as HTMLElement | null)?.focus();
    } catch (error) {
      deliveriesBox.appendChild(errorBox(error));
    }
  }

  async function rotate(w: Webhook): Promise<void> {
    clear(secretBox);
    try {
      const r = await ok(api.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id: w.id } }, body: { overlapSeconds: 86_400 } }));
      secretBox.appendChild(secretNotice(r.secret, `New secret; the old one keeps signing until ${when(r.previousSecretExpiresAt)}.`));
    } catch (error) {
      secretBox.appendChild(errorBox(error));
    }
  }

  async function remove(w: Webhook): Promise<void> {
    if (!window.confirm(`Delete the subscription to ${w.url}?`)) return;
    try {
      await ok(api.DELETE('/v1/webhooks/{id}', { params: { path: { id: w.id } } }));
      announce('Subscription deleted');
      await refresh();
    } catch (error) {
      secretBox.appendChild(errorBox(error));
    }
  }

  main.append(section('Subscriptions', listBox), section('Subscribe', form, secretBox), deliveriesBox);
  await refresh();
}

function secretNotice(secret: string, lead: string): HTMLElement {
  const out = h('input', { type: 'text', readOnly: true, value: secret, className: 'mono', id: 'webhook-secret' });
  const copy = h('button', { type: 'button', className: 'small' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      announce('Secret copied');
    } catch {
      out.select();
    }
  });
  return h('div', { className: 'notice', role: 'status' }, h('p', {}, `${lead} The signing secret is shown this once: keep it in the receiver’s configuration.`),
    h('div', { className: 'field' }, h('label', { for: 'webhook-secret' }, 'Signing secret'), out), copy);
}
