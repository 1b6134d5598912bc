// Draws a declarative ChartSpec with plotly. The spec and the rows are data only: nothing here evaluates
// text from the model or the database, and text reaches plotly as trace data, never as HTML.

let plotlyLoading = null;

function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    // plotly is large; it is fetched the first time a chart is drawn, not on every page.
    plotlyLoading ??= new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = 'lib/plotly/plotly.min.js';
        script.onload = () => resolve(window.Plotly);
        script.onerror = () => { plotlyLoading = null; reject(new Error('plotly could not be loaded')); };
        document.head.appendChild(script);
    });
    return plotlyLoading;
}

// plotly understands a few pseudo-HTML tags (<b>, <a href>) in labels; a zero-width space after "<"
// keeps data such as "<a href=...>" or "<img ...>" plain text while it still reads the same.
function safe(value) {
    if (value === null || value === undefined) return '';
    return typeof value === 'string' ? value.replaceAll('<', '<\u200b') : value;
}

function label(name) {
    if (!name) return '';
    const words = String(name).replaceAll('_', ' ').trim();
    return safe(words.charAt(0).toUpperCase() + words.slice(1));
}

function palette(dark) {
    return dark
        ? ['#7aa2f7', '#f6a96b', '#73d0a4', '#e58fb3', '#c3a6f5', '#e6cf6a', '#6cc6d9', '#b5b5b5']
        : ['#3b6fd4', '#e07b39', '#2f9e6e', '#c9507e', '#7d5bd0', '#b79a1f', '#2b97ad', '#707070'];
}

function cssColor(name, fallback) {
    const value = getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
}

function isDark(theme) {
    if (theme) return String(theme).includes('dark');
    return document.documentElement.classList.contains('rz-dark') || document.body.classList.contains('rz-dark');
}

function topRows(rows, yIndex, n) {
    if (!n || rows.length <= n) return rows;
    return [...rows].sort((a, b) => (Number(b[yIndex]) || 0) - (Number(a[yIndex]) || 0)).slice(0, n);
}

function compare(a, b) {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a).localeCompare(String(b));
}

function traces(spec, columns, rows, colors, horizontal) {
    const index = name => columns.findIndex(c => c.toLowerCase() === String(name ?? '').toLowerCase());
    const x = index(spec.x);
    const ys = (spec.y ?? []).map(index).filter(i => i >= 0);
    const series = index(spec.series);
    const kind = (spec.kind ?? '').toLowerCase();
    if (ys.length === 0) return [];

    if (kind === 'donut') {
        if (x < 0) return [];
        const data = topRows(rows, ys[0], spec.topN);
        return [{
            type: 'pie', hole: 0.55, sort: false, direction: 'clockwise',
            labels: data.map(r => safe(String(r[x] ?? '(empty)'))),
            values: data.map(r => r[ys[0]]),
            marker: { colors },
            textinfo: 'percent', hoverinfo: 'label+value+percent',
        }];
    }

    const type = kind === 'bar' ? 'bar' : 'scatter';
    const mode = kind === 'scatter' ? 'markers' : kind === 'line' ? 'lines+markers' : undefined;
    let data = kind === 'bar' && series < 0 ? topRows(rows, ys[0], spec.topN) : rows;
    if (kind === 'line' && x >= 0) data = [...data].sort((a, b) => compare(a[x], b[x]));
    const xs = r => x >= 0 ? safe(r[x]) : undefined;

    if (series >= 0) {
        const groups = new Map();
        for (const row of data) {
            const key = String(row[series] ?? '(empty)');
            if (!groups.has(key)) groups.set(key, []);
            groups.get(key).push(row);
        }
        return [...groups.entries()].map(([name, group]) => ({
            type, mode, name: safe(name),
            x: group.map(xs), y: group.map(r => r[ys[0]]),
            line: { width: 2 }, marker: { size: kind === 'scatter' ? 8 : 5 },
        }));
    }
    if (horizontal) {
        // On a narrow screen category names read better down the side than rotated under the bars.
        return ys.map((y, i) => ({
            type: 'bar', orientation: 'h', name: label(columns[y]),
            y: data.map(xs), x: data.map(r => r[y]),
            marker: { color: colors[i % colors.length] },
        }));
    }
    return ys.map((y, i) => ({
        type, mode, name: label(columns[y]),
        x: data.map(xs), y: data.map(r => r[y]),
        marker: { color: colors[i % colors.length], size: kind === 'scatter' ? 8 : 5 },
        line: { width: 2, color: colors[i % colors.length] },
    }));
}

function renderKpi(element, spec, columns, rows) {
    const index = columns.findIndex(c => c.toLowerCase() === String(spec.y?.[0] ?? columns[0]).toLowerCase());
    const value = rows.length > 0 && index >= 0 ? rows[0][index] : null;
    const card = document.createElement('div');
    card.className = 'kpi-card';
    const number = document.createElement('div');
    number.className = 'kpi-value';
    number.textContent = typeof value === 'number'
        ? value.toLocaleString(undefined, { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 2 })
        : String(value ?? '–');
    const caption = document.createElement('div');
    caption.className = 'kpi-label';
    caption.textContent = spec.yTitle || (index >= 0 ? columns[index].replaceAll('_', ' ') : '');
    card.append(number, caption);
    element.replaceChildren(card);
}

/** Draws (or redraws) the chart into element. spec: ChartSpec as JSON; columns: names; rows: arrays of values. */
export async function render(element, spec, columns, rows, theme) {
    if (!element) return;
    const kind = (spec?.kind ?? 'table').toLowerCase();
    if (kind === 'table') {
        if (window.Plotly) window.Plotly.purge(element);
        element.replaceChildren();
        return;
    }
    if (kind === 'kpi') {
        if (window.Plotly) window.Plotly.purge(element);
        renderKpi(element, spec, columns, rows);
        return;
    }
    const Plotly = await loadPlotly();
    if (element.querySelector('.kpi-card')) element.replaceChildren();
    const dark = isDark(theme);
    const colors = palette(dark);
    const text = cssColor('--rz-text-color', dark ? '#e6e6e6' : '#262626');
    const grid = dark ? 'rgba(255,255,255,0.10)' : 'rgba(0,0,0,0.08)';
    const horizontal = kind === 'bar' && !spec.series && element.clientWidth > 0 && element.clientWidth < 520;
    const data = traces(spec, columns, rows, colors, horizontal);
    const donut = kind === 'donut';
    const layout = {
        paper_bgcolor: 'rgba(0,0,0,0)',
        plot_bgcolor: 'rgba(0,0,0,0)',
        font: { family: getComputedStyle(document.body).fontFamily, size: 12, color: text },
        colorway: colors,
        margin: { l: 72, r: 16, t: 12, b: 40 },
        showlegend: donut || data.length > 1,
        legend: { orientation: 'h', y: -0.18 },
        hovermode: donut ? 'closest' : 'x unified',
        // Dates and category names speak for themselves; the x title is kept for scatter plots, where x is a measure.
        xaxis: { title: { text: kind === 'scatter' ? label(spec.xTitle ?? spec.x) : '' }, gridcolor: grid, zeroline: false, automargin: true },
        yaxis: { title: { text: label(spec.yTitle ?? spec.y?.[0]), standoff: 12 }, gridcolor: grid, zeroline: false, automargin: true, rangemode: 'tozero' },
        barmode: 'group',
    };
    if (kind === 'scatter') layout.hovermode = 'closest';
    if (horizontal) {
        layout.hovermode = 'closest';
        layout.margin.l = 16;
        layout.xaxis = { ...layout.yaxis, title: { text: layout.yaxis.title.text } };
        // The largest bar on top, as in the wide chart's left-to-right order.
        layout.yaxis = { gridcolor: grid, automargin: true, autorange: 'reversed', title: { text: '' } };
    }
    await Plotly.react(element, data, layout, { responsive: true, displaylogo: false, displayModeBar: false });
}

/** Saves the drawn chart as a PNG. */
export async function downloadPng(element, fileName) {
    const Plotly = await loadPlotly();
    if (!element || !element.data) return false;
    await Plotly.downloadImage(element, { format: 'png', filename: fileName || 'chart', width: 1200, height: 700 });
    return true;
}

export function dispose(element) {
    if (element && window.Plotly) window.Plotly.purge(element);
}
