//! Server-rendered SVG charts for the reports page, readable without JavaScript. Each chart is
//! one accessible image (`role="img"`, named by its `<title>` and described by its `<desc>`
//! through `aria-labelledby`), and every number it draws is also in the table that follows it.
//! No meaning rests on colour alone: every bar's label and value are written beside it, and the
//! two series of a pair differ in shape (filled, outlined) as the legend says in words. Drawn
//! in a narrow `viewBox` that scales to the column, so the text stays legible on a phone.
//! Colours come from `www/app.css` (`.chart …`), the Content-Security-Policy allowing no inline
//! style.

use super::html::Html;

/// The drawing's width in SVG units; the label column, the bars' track and the values' room.
const WIDTH: i64 = 400;
const LABEL_W: i64 = 130;
const TRACK_W: i64 = 190;
const ROW_H: i64 = 22;
const BAR_H: i64 = 14;
/// The longest label drawn in full (the table has every label whole).
const LABEL_CHARS: usize = 20;

/// One bar: its label, its length, and the value written after it.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub shown: String,
}

/// One pair of bars for a label: `a` filled, `b` outlined below it.
pub struct Pair {
    pub label: String,
    pub a: i64,
    pub a_shown: String,
    pub b: i64,
    pub b_shown: String,
}

fn open(h: &mut Html, id: &str, title: &str, desc: &str, height: i64) {
    h.raw("<svg class=\"chart\" role=\"img\" viewBox=\"0 0 ")
        .text(&WIDTH.to_string())
        .raw(" ")
        .text(&height.to_string())
        .raw("\" aria-labelledby=\"")
        .text(id)
        .raw("-title ")
        .text(id)
        .raw("-desc\"><title id=\"")
        .text(id)
        .raw("-title\">")
        .text(title)
        .raw("</title><desc id=\"")
        .text(id)
        .raw("-desc\">")
        .text(desc)
        .raw("</desc>");
}

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// The length of `value` on a track of `TRACK_W` for a scale up to `max`; at least 1 unit for
/// any value above zero, so a small one never looks like none.
fn length(value: i64, max: i64) -> i64 {
    if value <= 0 || max <= 0 {
        0
    } else {
        (value.saturating_mul(TRACK_W) / max).max(1)
    }
}

fn label(h: &mut Html, y: i64, text: &str) {
    h.raw("<text class=\"label\" x=\"0\" y=\"")
        .text(&y.to_string())
        .raw("\">")
        .text(&short(text))
        .raw("</text>");
}

fn bar(h: &mut Html, class: &'static str, y: i64, width: i64, height: i64) {
    h.raw("<rect class=\"")
        .raw(class)
        .raw("\" x=\"")
        .text(&LABEL_W.to_string())
        .raw("\" y=\"")
        .text(&y.to_string())
        .raw("\" width=\"")
        .text(&width.to_string())
        .raw("\" height=\"")
        .text(&height.to_string())
        .raw("\"/>");
}

fn value(h: &mut Html, x: i64, y: i64, text: &str) {
    h.raw("<text class=\"value\" x=\"")
        .text(&(x + 4).to_string())
        .raw("\" y=\"")
        .text(&y.to_string())
        .raw("\">")
        .text(text)
        .raw("</text>");
}

/// Horizontal bars, one row each: label, bar, value.
pub fn bars(h: &mut Html, id: &str, title: &str, desc: &str, items: &[Bar]) {
    let max = items.iter().map(|b| b.value).max().unwrap_or(0);
    let height = ROW_H * i64::try_from(items.len()).unwrap_or(0) + 4;
    open(h, id, title, desc, height.max(ROW_H));
    for (i, item) in (0_i64..).zip(items) {
        let top = i * ROW_H + 4;
        let width = length(item.value, max);
        label(h, top + BAR_H - 3, &item.label);
        bar(h, "bar", top, width, BAR_H);
        value(h, LABEL_W + width, top + BAR_H - 3, &item.shown);
    }
    h.raw("</svg>");
}

/// Pairs of horizontal bars per label: `a` filled, `b` outlined just below, each with its
/// value; `legend` names the two in words under the chart.
pub fn pairs(
    h: &mut Html,
    id: &str,
    title: &str,
    desc: &str,
    items: &[Pair],
    legend: (&str, &str),
) {
    let max = items.iter().map(|p| p.a.max(p.b)).max().unwrap_or(0);
    let row = 2 * BAR_H + 12;
    let legend_h = 24;
    let height = row * i64::try_from(items.len()).unwrap_or(0) + legend_h + 4;
    open(h, id, title, desc, height);
    for (i, item) in (0_i64..).zip(items) {
        let top = i * row + 4;
        let (a, b) = (length(item.a, max), length(item.b, max));
        label(h, top + BAR_H, &item.label);
        bar(h, "bar", top, a, BAR_H - 2);
        value(h, LABEL_W + a, top + BAR_H - 4, &item.a_shown);
        bar(h, "bar outline", top + BAR_H, b, BAR_H - 2);
        value(h, LABEL_W + b, top + 2 * BAR_H - 4, &item.b_shown);
    }
    let y = height - legend_h + 6;
    h.raw("<rect class=\"bar\" x=\"0\" y=\"")
        .text(&y.to_string())
        .raw("\" width=\"14\" height=\"10\"/><text class=\"legend\" x=\"18\" y=\"")
        .text(&(y + 9).to_string())
        .raw("\">")
        .text(legend.0)
        .raw("</text><rect class=\"bar outline\" x=\"190\" y=\"")
        .text(&y.to_string())
        .raw("\" width=\"14\" height=\"10\"/><text class=\"legend\" x=\"208\" y=\"")
        .text(&(y + 9).to_string())
        .raw("\">")
        .text(legend.1)
        .raw("</text></svg>");
}

/// Vertical columns, one per item in order (a day each), with the first, the middle and the
/// last item's label under the axis and the largest value at the top of the scale.
pub fn columns(h: &mut Html, id: &str, title: &str, desc: &str, items: &[(String, i64)]) {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let (top, plot_h, left) = (16, 120, 36);
    let height = top + plot_h + 22;
    open(h, id, title, desc, height);
    let n = i64::try_from(items.len()).unwrap_or(1).max(1);
    let plot_w = WIDTH - left - 4;
    // The scale: its top value, written, and the base line.
    h.raw("<text class=\"value\" x=\"0\" y=\"")
        .text(&(top + 4).to_string())
        .raw("\">")
        .text(&max.to_string())
        .raw("</text><text class=\"value\" x=\"0\" y=\"")
        .text(&(top + plot_h).to_string())
        .raw("\">0</text><line class=\"axis\" x1=\"")
        .text(&left.to_string())
        .raw("\" x2=\"")
        .text(&(WIDTH - 4).to_string())
        .raw("\" y1=\"")
        .text(&(top + plot_h).to_string())
        .raw("\" y2=\"")
        .text(&(top + plot_h).to_string())
        .raw("\"/>");
    for (i, (_, v)) in (0_i64..).zip(items) {
        let x0 = left + i * plot_w / n;
        let x1 = left + (i + 1) * plot_w / n;
        let bar_h = if *v <= 0 || max <= 0 {
            0
        } else {
            (v * plot_h / max).max(1)
        };
        // A gap between columns while they are wide enough to show one.
        let width = if x1 - x0 > 3 { x1 - x0 - 1 } else { x1 - x0 };
        h.raw("<rect class=\"bar\" x=\"")
            .text(&x0.to_string())
            .raw("\" y=\"")
            .text(&(top + plot_h - bar_h).to_string())
            .raw("\" width=\"")
            .text(&width.max(1).to_string())
            .raw("\" height=\"")
            .text(&bar_h.to_string())
            .raw("\"/>");
    }
    let last = items.len().saturating_sub(1);
    let mut marks = vec![(0, "start"), (last, "end")];
    if last >= 4 {
        marks.insert(1, (last / 2, "middle"));
    }
    marks.dedup_by_key(|(i, _)| *i);
    for (i, anchor) in marks {
        let Some((name, _)) = items.get(i) else {
            continue;
        };
        let x = match anchor {
            "start" => left,
            "end" => WIDTH - 4,
            _ => left + i64::try_from(i).unwrap_or(0) * plot_w / n,
        };
        h.raw("<text class=\"value\" text-anchor=\"")
            .raw(match anchor {
                "start" => "start",
                "end" => "end",
                _ => "middle",
            })
            .raw("\" x=\"")
            .text(&x.to_string())
            .raw("\" y=\"")
            .text(&(height - 4).to_string())
            .raw("\">")
            .text(name)
            .raw("</text>");
    }
    h.raw("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_named_image_and_escapes_its_text() {
        let mut h = Html::default();
        bars(
            &mut h,
            "labels",
            "Top labels",
            "billing 3, <vip> 1",
            &[
                Bar {
                    label: "billing".into(),
                    value: 3,
                    shown: "3".into(),
                },
                Bar {
                    label: "<vip>".into(),
                    value: 1,
                    shown: "1".into(),
                },
            ],
        );
        let svg = h.into_string();
        assert!(
            svg.starts_with("<svg class=\"chart\" role=\"img\""),
            "{svg}"
        );
        assert!(svg.contains("aria-labelledby=\"labels-title labels-desc\""));
        assert!(svg.contains("<title id=\"labels-title\">Top labels</title>"));
        assert!(svg.contains("&lt;vip&gt;"));
        assert!(!svg.contains("<vip>"));
        // The longest bar fills the track; the other is in proportion.
        assert!(svg.contains("width=\"190\""));
        assert!(svg.contains("width=\"63\""));
    }

    #[test]
    fn long_labels_are_shortened_in_the_drawing() {
        assert_eq!(short("billing > refund"), "billing > refund");
        assert_eq!(
            short("a-very-long-label-name-indeed"),
            "a-very-long-label-n…"
        );
    }
}
