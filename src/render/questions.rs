//! Questions: the default questions for the request's profile and the patient's own turn
//! into numbered questions with room for the doctor's answers.

use crate::base::fonts::Metrics;
use crate::base::layout::{Flow, PageLayout, Paper, BODY, SMALL};
use serde::Deserialize;
use std::collections::BTreeMap;

const QUESTIONS_TOML: &str = include_str!("../../templates/questions.toml");

#[derive(Deserialize)]
struct ProfileQuestions {
    questions: Vec<String>,
}

/// The default questions for `profile` (general ones first), from templates/questions.toml.
pub fn default_questions(profile: Option<&str>) -> Vec<String> {
    let table: BTreeMap<String, ProfileQuestions> = match toml::from_str(QUESTIONS_TOML) {
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

pub fn layout(m: &Metrics, paper: Paper, questions: &[String]) -> Vec<PageLayout> {
    let mut f = Flow::new(m, paper);
    f.set_continued("Questions for the doctor");
    f.title("Questions for the doctor");
    f.paragraph(
        "The patient would like to talk about these questions. There is room under each one for notes.",
        BODY,
        false,
        0.0,
    );
    f.space(6.0);
    if questions.is_empty() {
        f.paragraph("(No questions were listed.)", SMALL, false, 0.0);
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
        let general = default_questions(None);
        assert!(general.len() >= 8);
        assert!(general.iter().any(|q| q.contains("clinical trial")));
        let onc = default_questions(Some("oncology"));
        assert!(onc.len() > general.len());
        assert_eq!(default_questions(Some("unknown-profile")), general);
    }
}
