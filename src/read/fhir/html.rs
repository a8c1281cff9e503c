//! HTML and XHTML (a FHIR narrative `div`, an HTML attachment) turn into plain text:
//! paragraphs and list items on lines of their own, table cells separated, entities
//! decoded; scripts, styles and the targets of links are dropped.

/// The text of an HTML fragment or page, paragraphs separated by blank lines.
pub fn to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut skip: Option<String> = None;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip.is_none() {
                out.push_str(&decode(rest));
            }
            break;
        };
        if skip.is_none() {
            out.push_str(&decode(&rest[..lt]));
        }
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.find("-->").map_or("", |e| &r[e + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
            .collect::<String>()
            .to_ascii_lowercase();
        let name = name.rsplit(':').next().unwrap_or("").to_string();
        if let Some(s) = &skip {
            if closing && *s == name {
                skip = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" | "head" | "title" | "noscript" | "template"
                if !closing && !tag.trim_end().ends_with('/') =>
            {
                skip = Some(name);
            }
            "br" => out.push('\n'),
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" | "ul" | "ol"
            | "section" | "blockquote" | "pre" => out.push_str("\n\n"),
            "tr" => out.push('\n'),
            "li" if !closing => out.push_str("\n• "),
            "td" | "th" if !closing => out.push_str("  "),
            _ => {}
        }
    }
    tidy(&out)
}

/// Lines trimmed, runs of spaces as one, at most one blank line in a row.
fn tidy(s: &str) -> String {
    let mut out = String::new();
    let mut blank = true;
    for line in s.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(&line);
            out.push('\n');
            blank = false;
        }
    }
    out.trim().to_string()
}

/// Decodes the common named entities and numeric character references.
fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|e| *e <= 10);
        let Some(end) = end else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..end];
        let c = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text as paragraphs (a blank line ends one; lines inside one are kept).
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_keeps_paragraphs_and_items_and_drops_scripts_styles_and_links() {
        let t = to_text(
            "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>\
             <h1>Visit&nbsp;note</h1><p>Seen for <b>follow-up</b> &amp; review.</p>\
             <ul><li>One</li><li>Two &#8211; more</li></ul>\
             <p><a href=\"https://example.org/x\">portal</a></p></body></html>",
        );
        assert_eq!(
            t,
            "Visit note\n\nSeen for follow-up & review.\n\n• One\n• Two – more\n\nportal"
        );
        assert!(!t.contains("alert") && !t.contains("color") && !t.contains("example.org"));
    }
}
