/** Usage: what is billed in a period (GET /v1/usage): totals, per profile, per day (with bars), and the CSV export. */
import { api, fetchBlob, ok, type Usage } from '../api/client.js';
import { clear, errorBox, field, h, section, table } from '../dom.js';
import type { Route } from '../router.js';

export async function usageView(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, 'Usage')));
  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const from = h('input', { type: 'date', value: monthStart.toISOString().slice(0, 10), required: true });
  const to = h('input', { type: 'date', value: now.toISOString().slice(0, 10), required: true });
  const out = h('div');
  const csv = h('button', { type: 'button' }, 'Download CSV');
  const form = h('form', { className: 'filters' }, field('From (UTC)', from), field('To (UTC, inclusive)', to),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'primary' }, 'Show'), csv));
  const range = () => ({ from: new Date(`${from.value}T00:00:00Z`).toISOString(), to: new Date(new Date(`${to.value}T00:00:00Z`).getTime() + 86_400_000).toISOString() });
  const load = async () => {
    clear(out);
    try {
      const usage = (await ok(api.GET('/v1/usage', { params: { query: { ...range(), format: 'json' } }, signal }))) as Usage;
      const totals = Object.entries(usage.totals);
      const max = Math.max(1, ...usage.byDay.map((d) => d.quantity));
      out.append(
        section('Totals', totals.length ? h('dl', { className: 'facts big' }, totals.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])) : h('p', { className: 'muted' }, 'Nothing billed in this period.')),
        section('Per profile', table('Usage per profile', ['Profile', 'Kind', 'Quantity'], usage.byProfile.map((p) => [p.profile, p.kind, h('span', { className: 'num' }, String(p.quantity))]), { hideCaption: true })),
        section('Per day', table('Usage per day', ['Day', 'Kind', 'Quantity', ''], usage.byDay.map((d) => {
          const bar = h('span', { className: 'bar-fill' });
          bar.style.width = `${(d.quantity / max) * 100}%`;
          return [d.day, d.kind, h('span', { className: 'num' }, String(d.quantity)), h('span', { className: 'bar-track wide', 'aria-hidden': 'true' }, bar)];
        }), { hideCaption: true })));
    } catch (error) {
      out.appendChild(errorBox(error));
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  csv.addEventListener('click', async () => {
    try {
      const { from: f, to: t } = range();
      const blob = await fetchBlob(`/v1/usage?${new URLSearchParams({ from: f, to: t, format: 'csv' })}`);
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `usage-${from.value}-${to.value}.csv` });
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      out.prepend(errorBox(error));
    }
  });
  main.append(form, out);
  await load();
}
