//! Building HTML safely: markup comes only from `&'static str` (our templates), and every
//! dynamic value goes through `text`, which escapes it. Visitor text can never become markup.

#[derive(Default)]
pub struct Html(String);

impl Html {
    /// Markup from our own templates.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// Any dynamic value, escaped for element content and for quoted attribute values alike.
    pub fn text(&mut self, value: &str) -> &mut Self {
        for c in value.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                c => self.0.push(c),
            }
        }
        self
    }

    /// Text someone else typed (a subject, a name), escaped and isolated in `<bdi>`: its
    /// direction is its own, and a right-to-left name can't reorder the markup around it.
    pub fn user_text(&mut self, value: &str) -> &mut Self {
        self.raw("<bdi>").text(value).raw("</bdi>")
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_and_isolated() {
        let mut html = Html::default();
        html.user_text("\u{05e9}<b>");
        assert_eq!(html.into_string(), "<bdi>\u{05e9}&lt;b&gt;</bdi>");
    }

    #[test]
    fn text_is_escaped_and_raw_is_not() {
        let mut html = Html::default();
        html.raw("<p title=\"")
            .text("\"><script>alert('x')</script>&")
            .raw("\">");
        assert_eq!(
            html.into_string(),
            "<p title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\">"
        );
    }
}
