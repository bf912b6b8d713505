package dashboard

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/skillett/skillett"
)

// usageChartDays is how many days the list's totals and a key's chart span.
const usageChartDays = 30

// usageChart draws a key's uses per day as an SVG bar chart, on the
// server, so that it needs no script. Each day's bar stacks the refused
// uses (hatched, on top) on the valid ones (solid): the two differ in
// pattern as well as in colour, and every bar has a title with its
// numbers, so that the chart reads without colour. The page gives the
// same numbers as a table too.
func usageChart(days []skillett.UsageDay) template.HTML {
	const (
		width, height = 600, 160
		top, bottom   = 16, 22 // room for the scale and the dates
		left          = 36
	)
	var peak int64
	for _, d := range days {
		peak = max(peak, d.Counts.Total())
	}
	scale := niceCeil(peak)
	plotH := float64(height - top - bottom)
	slot := float64(width-left) / float64(max(len(days), 1))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="usage-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="usage-chart-title" xmlns="http://www.w3.org/2000/svg">`, width, height)
	fmt.Fprintf(&b, `<title id="usage-chart-title">Uses per day over the last %d days: at most %d on a day</title>`, len(days), peak)
	b.WriteString(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
		`<rect width="6" height="6" fill="#fde8e8"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b42318" stroke-width="3"/></pattern></defs>`)
	// Scale: the top value and zero, with a baseline.
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="end" font-size="11">%d</text>`, left-6, top+4, scale)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="end" font-size="11">0</text>`, left-6, height-bottom)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#98a2b3" stroke-dasharray="2 3"/>`, left, top, width, top)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#475467"/>`, left, height-bottom, width, height-bottom)
	for i, d := range days {
		valid := d.Counts.Of(skillett.VerifyValid)
		refused := d.Counts.Total() - valid
		x := float64(left) + float64(i)*slot + slot*0.15
		w := slot * 0.7
		hv := plotH * float64(valid) / float64(scale)
		hr := plotH * float64(refused) / float64(scale)
		y := float64(height-bottom) - hv
		date := d.Day.Format("Jan 2")
		fmt.Fprintf(&b, `<g><title>%s: %d valid, %d refused</title>`, date, valid, refused)
		fmt.Fprintf(&b, `<rect class="bar-valid" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2e6bd6"/>`, x, y, w, hv)
		if refused > 0 {
			fmt.Fprintf(&b, `<rect class="bar-refused" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="url(#hatch)" stroke="#b42318"/>`, x, y-hr, w, hr)
		}
		// An invisible full-height target, so that every day has a title.
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%.0f" fill="transparent"/></g>`, x, top, w, plotH)
	}
	if n := len(days); n > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" font-size="11">%s</text>`, left, height-6, days[0].Day.Format("Jan 2"))
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="end" font-size="11">%s (today, UTC)</text>`, width, height-6, days[n-1].Day.Format("Jan 2"))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // only numbers and dates are written in
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten (at least 1), a
// readable top for the scale.
func niceCeil(n int64) int64 {
	p := int64(1)
	for {
		for _, m := range []int64{1, 2, 5} {
			if n <= m*p {
				return m * p
			}
		}
		p *= 10
	}
}

// usageView is a key's usage as its page shows it: the chart, and the same
// numbers as a table, newest day first.
type usageView struct {
	Chart          template.HTML
	Days           []usageDayView
	Valid, Refused int64
}

type usageDayView struct {
	Date                             string
	Valid, RateLimited, IPNotAllowed int64
	Other                            int64 // insufficient scope, revoked, expired
}

func newUsageView(days []skillett.UsageDay) usageView {
	v := usageView{Chart: usageChart(days)}
	for i := len(days) - 1; i >= 0; i-- {
		c := days[i].Counts
		valid, limited, ip := c.Of(skillett.VerifyValid), c.Of(skillett.VerifyRateLimited), c.Of(skillett.VerifyIPNotAllowed)
		v.Days = append(v.Days, usageDayView{Date: days[i].Day.Format("Mon Jan 2"), Valid: valid, RateLimited: limited,
			IPNotAllowed: ip, Other: c.Total() - valid - limited - ip})
		v.Valid += valid
		v.Refused += c.Total() - valid
	}
	return v
}
