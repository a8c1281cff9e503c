//! Questions: the default questions for the request's profile and the patient's own turn
//! into numbered questions with room for the doctor's answers.

use crate::base::fonts::Metrics;
use crate::base::i18n::{Lang, Messages};
use crate::base::layout::{Flow, PageLayout, Paper, BODY, SMALL};
use serde::Deserialize;
use std::collections::BTreeMap;

const QUESTIONS_EN: &str = include_str!("../../templates/questions.toml");
const QUESTIONS_ES: &str = include_str!("../../templates/es/questions.toml");

/// The questions file of a language.
fn questions_toml(lang: Lang) -> &'static str {
    match lang {
        Lang::En => QUESTIONS_EN,
        Lang::Es => QUESTIONS_ES,
    }
}

#[derive(Deserialize)]
struct ProfileQuestions {
    questions: Vec<String>,
}

/// The default questions for `profile` (general ones first), in `lang`, from
/// templates/questions.toml (English) or templates/<lang>/questions.toml.
pub fn default_questions(profile: Option<&str>, lang: Lang) -> Vec<String> {
    let table: BTreeMap<String, ProfileQuestions> = match toml::from_str(questions_toml(lang)) {
        Ok(t) => t,
        Err(_) => return Vec::new(),
    };
    let mut out: Vec<String> = table
        .get("general")
        .map(|p| p.questions.clone())
        .unwrap_or_default();
    if let Some(extra) = profile
        .filter(|p| *p != "general")
        .and_then(|p| table.get(p))
    {
        out.extend(extra.questions.iter().cloned());
    }
    out
}

pub fn layout(m: &Metrics, paper: Paper, questions: &[String], t: &Messages) -> Vec<PageLayout> {
    let mut f = Flow::new(m, paper);
    let title = t.t("questions.title");
    f.set_continued(&t.f("flow.continued", &[("heading", title)]));
    f.title(title);
    f.paragraph(t.t("questions.intro"), BODY, false, 0.0);
    f.space(6.0);
    if questions.is_empty() {
        f.paragraph(t.t("questions.none"), SMALL, false, 0.0);
    }
    for (i, q) in questions.iter().enumerate() {
        let lines = f.wrap(q, BODY, f.width() - 18.0).len() as f32;
        f.ensure(lines * BODY * 1.35 + 64.0);
        let label = format!("{}.", i + 1);
        let top_remaining = f.remaining();
        f.text_line(crate::base::layout::MARGIN, &label, BODY, true, 0.0);
        // put the question text beside its number
        f.space(-(top_remaining - f.remaining()));
        f.paragraph(q, BODY, true, 18.0);
        f.space(2.0);
        f.answer_box(56.0);
        f.space(6.0);
    }
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_profiles_add_their_own() {
        let general = default_questions(None, Lang::En);
        assert!(general.len() >= 8);
        assert!(general.iter().any(|q| q.contains("clinical trial")));
        let onc = default_questions(Some("oncology"), Lang::En);
        assert!(onc.len() > general.len());
        assert_eq!(
            default_questions(Some("unknown-profile"), Lang::En),
            general
        );
        // Every language asks the same number of questions for every profile.
        for profile in ["general", "oncology", "neurology"] {
            let en = default_questions(Some(profile), Lang::En);
            let es = default_questions(Some(profile), Lang::Es);
            assert_eq!(en.len(), es.len(), "{profile}");
            assert_ne!(en, es, "{profile}");
        }
        assert!(default_questions(None, Lang::Es)
            .iter()
            .any(|q| q.contains("ensayo clínico")));
    }
}
