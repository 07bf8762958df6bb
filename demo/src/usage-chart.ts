import type { LiveTick as Tick } from '../../src/client/live-usage.js';
import type { Meter, UsageByDayQuery } from './generated/graphql.js';

/**
 * Usage per day of each meter's current period, one small inline SVG bar chart per meter, from
 * `usageSummary(groupBy: DAY)`; each tick that raises a meter's `used` adds the rise to its day's
 * bar (today's, animated). A reset, or a tick on a day outside the period, asks for a reload.
 */

type Summary = NonNullable<UsageByDayQuery['account']>['usageSummary'];

const SVG = 'http://www.w3.org/2000/svg';
const BAR_WIDTH = 8;
const BAR_GAP = 3;
const HEIGHT = 48;

type MeterChart = {
  readonly days: readonly string[];
  readonly used: Map<string, number>;
  /** `used` summed over the period: what the chart shows. */
  total: number;
  /** The meter's `used` as last seen (the whole pool's): what a tick's `used` is compared with to tell its rise. */
  seenUsed: number;
  readonly svg: SVGSVGElement;
  readonly title: SVGTitleElement;
  readonly totalLabel: HTMLElement;
  readonly bars: Map<string, { readonly bar: SVGRectElement; readonly title: SVGTitleElement }>;
};

/**
 * `used`: each meter's `used` when the summary was read. `ownUsageOnly`: the viewer is a plain
 * member of a pool, whose summary and ticks show its own usage only (a tick of its own names it
 * as `member`), while each tick's `used` is the pool's.
 */
export type ChartScope = { readonly timeZone: string; readonly used: ReadonlyMap<Meter, number>; readonly ownUsageOnly: boolean };

export type UsageCharts = {
  /** Draws the charts of a summary, replacing the ones shown. */
  show(summary: Summary, scope: ChartScope): void;
  onTick(tick: Tick): void;
};

const formatNumber = new Intl.NumberFormat();
const formatDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** The calendar date (YYYY-MM-DD) of an instant in a time zone, as the summary's keys are. */
function localDate(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

const utcOf = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** Every local date from the one of `since` to the one just before `until`. */
function daysOf(since: string, until: string, timeZone: string): string[] {
  const last = localDate(new Date(Date.parse(until) - 1), timeZone);
  const days: string[] = [];
  for (let day = localDate(new Date(since), timeZone); day <= last; day = new Date(utcOf(day) + 86_400_000).toISOString().slice(0, 10)) days.push(day);
  return days;
}

const dayLabel = (day: string) => formatDay.format(utcOf(day));

export function createUsageCharts(container: HTMLElement, labels: Readonly<Record<Meter, string>>, reload: () => void): UsageCharts {
  const charts = new Map<Meter, MeterChart>();
  let scope: ChartScope = { timeZone: 'UTC', used: new Map(), ownUsageOnly: false };

  function describe(meter: Meter, chart: MeterChart): string {
    const first = chart.days[0];
    const last = chart.days.at(-1);
    const used = chart.days.filter((day) => (chart.used.get(day) ?? 0) > 0).map((day) => `${dayLabel(day)}: ${formatNumber.format(chart.used.get(day) ?? 0)}`);
    const span = first && last ? `, ${dayLabel(first)} to ${dayLabel(last)}` : '';
    return `${labels[meter]} used per day${span}: ${used.length === 0 ? 'none yet' : `${formatNumber.format(chart.total)} in all; ${used.join(', ')}; none on the other days`}.`;
  }

  function draw(meter: Meter, chart: MeterChart, grown?: string): void {
    const highest = Math.max(1, ...chart.used.values());
    for (const [day, { bar, title }] of chart.bars) {
      const used = chart.used.get(day) ?? 0;
      bar.dataset.used = String(used);
      bar.style.transform = `scaleY(${used / highest})`;
      title.textContent = `${dayLabel(day)}: ${formatNumber.format(used)}`;
    }
    const label = describe(meter, chart);
    chart.svg.setAttribute('aria-label', label);
    chart.title.textContent = label;
    chart.totalLabel.textContent = `${formatNumber.format(chart.total)} this period`;
    const bar = grown === undefined ? undefined : chart.bars.get(grown)?.bar;
    if (bar) {
      bar.classList.remove('grew');
      void bar.getBoundingClientRect(); // restart the CSS animation
      bar.classList.add('grew');
    }
  }

  function build(meter: Meter, days: readonly string[], used: Map<string, number>): HTMLElement {
    const today = localDate(new Date(), scope.timeZone);
    const figure = document.createElement('figure');
    figure.className = 'usage-chart';
    figure.dataset.meter = meter;
    figure.dataset.testid = `usage-chart-${meter}`;
    const caption = document.createElement('figcaption');
    const name = document.createElement('span');
    name.textContent = labels[meter];
    const totalLabel = document.createElement('span');
    totalLabel.className = 'total';
    caption.append(name, totalLabel);

    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${days.length * (BAR_WIDTH + BAR_GAP) - BAR_GAP} ${HEIGHT}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    const title = document.createElementNS(SVG, 'title');
    svg.append(title);
    const bars = new Map<string, { bar: SVGRectElement; title: SVGTitleElement }>();
    days.forEach((day, index) => {
      const rect = (className: string) => {
        const element = document.createElementNS(SVG, 'rect');
        element.setAttribute('class', className);
        element.setAttribute('x', String(index * (BAR_WIDTH + BAR_GAP)));
        element.setAttribute('width', String(BAR_WIDTH));
        element.setAttribute('height', String(HEIGHT));
        return element;
      };
      const bar = rect(day === today ? 'day today' : 'day');
      bar.dataset.date = day;
      const dayTitle = document.createElementNS(SVG, 'title');
      bar.append(dayTitle);
      svg.append(rect('track'), bar);
      bars.set(day, { bar, title: dayTitle });
    });

    const axis = document.createElement('div');
    axis.className = 'axis';
    axis.setAttribute('aria-hidden', 'true');
    for (const day of [days[0], days.at(-1)]) {
      const label = document.createElement('span');
      label.textContent = day ? dayLabel(day) : '';
      axis.append(label);
    }
    figure.append(caption, svg, axis);

    const total = [...used.values()].reduce((sum, value) => sum + value, 0);
    const chart: MeterChart = { days, used, total, seenUsed: Math.max(total, scope.used.get(meter) ?? 0), svg, title, totalLabel, bars };
    charts.set(meter, chart);
    draw(meter, chart);
    return figure;
  }

  return {
    show(summary, shown) {
      scope = shown;
      charts.clear();
      const figures = summary.ranges
        .filter((range) => range.meter in labels)
        .map((range) => {
          const used = new Map<string, number>();
          for (const { node } of summary.rows.edges) {
            if (node.meter === range.meter && node.key !== null) used.set(node.key, (used.get(node.key) ?? 0) + node.used);
          }
          return build(range.meter, daysOf(range.since, range.until, scope.timeZone), used);
        });
      container.replaceChildren(...figures);
    },

    onTick(tick) {
      const chart = charts.get(tick.meter);
      if (!chart) return;
      if (tick.kind === 'RESET') return reload();
      // A tick the summary counted already (replayed after it was read) raises nothing.
      const rise = tick.used - chart.seenUsed;
      if (rise <= 0) return;
      chart.seenUsed = tick.used;
      if (scope.ownUsageOnly && !tick.member) return; // another member's usage
      const day = localDate(new Date(tick.at), scope.timeZone);
      if (!chart.bars.has(day)) return reload();
      chart.total += rise;
      chart.used.set(day, (chart.used.get(day) ?? 0) + rise);
      draw(tick.meter, chart, day);
    },
  };
}
