// tinhso monitoring centre: draws each chart from the JSON the page puts beside its table
// (<script type="application/json" id="chart-…">), with ECharts (vendored) and its Vietnamese
// locale. The table carries the same numbers and stays the accessible form; without JavaScript
// only the tables show. No inline script (CSP).
const echarts = window.echarts
const palette = ['#1d70b8', '#00703c', '#d4351c', '#4c2c92', '#b58840', '#28a197']

function base () {
  return {
    color: palette,
    textStyle: { fontFamily: 'inherit' },
    tooltip: { trigger: 'axis', confine: true },
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, type: 'scroll' }
  }
}

function option (spec) {
  const series = spec.series || []
  if (spec.kind === 'line') {
    return Object.assign(base(), {
      xAxis: { type: 'category', data: spec.categories },
      yAxis: { type: 'value', min: 0 },
      series: series.map((s) => ({ name: s.name, type: 'line', data: s.data, connectNulls: false }))
    })
  }
  if (spec.kind === 'hbars') {
    return Object.assign(base(), {
      legend: { show: false },
      yAxis: { type: 'category', data: spec.categories.slice().reverse(), axisLabel: { width: 140, overflow: 'truncate' } },
      xAxis: { type: 'value', min: 0 },
      series: series.map((s) => ({ name: s.name, type: 'bar', data: s.data.slice().reverse() }))
    })
  }
  return Object.assign(base(), {
    xAxis: { type: 'category', data: spec.categories, axisLabel: { interval: 0, width: 70, overflow: 'break' } },
    yAxis: { type: 'value', min: 0 },
    series: series.map((s, i) => ({ name: s.name, type: 'bar', data: s.data, barGap: '0%', itemStyle: i === 1 ? { color: '#b1b4b6' } : undefined }))
  })
}

function sparkline (el, item) {
  const box = document.createElement('div')
  box.className = 'tinhso-mon-spark'
  const name = document.createElement('div')
  name.textContent = item.name
  const plot = document.createElement('div')
  plot.className = 'tinhso-mon-spark__plot'
  box.append(name, plot)
  el.append(box)
  const chart = echarts.init(plot, null, { locale: 'VI' })
  chart.setOption({
    animation: false,
    grid: { left: 2, right: 2, top: 4, bottom: 4 },
    xAxis: { type: 'category', show: false, data: item.categories },
    yAxis: { type: 'value', show: false, scale: true },
    series: [{ type: 'line', data: item.data, symbolSize: 4, lineStyle: { width: 2, color: '#1d70b8' }, itemStyle: { color: '#1d70b8' } }]
  })
  return chart
}

function draw () {
  if (!echarts) return
  const charts = []
  for (const el of document.querySelectorAll('[data-chart]')) {
    const data = document.getElementById(el.dataset.chart)
    if (!data) continue
    const spec = JSON.parse(data.textContent)
    if (spec.kind === 'sparklines') {
      el.classList.add('tinhso-mon-chart--sparks')
      for (const item of spec.items) {
        if (item.data.some((v) => v !== null)) charts.push(sparkline(el, item))
      }
      continue
    }
    const chart = echarts.init(el, null, { locale: 'VI' })
    chart.setOption(option(spec))
    charts.push(chart)
  }
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()))
}

draw()
