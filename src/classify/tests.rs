//! Tests of classification: rules, date forms, kinds, titles and evidence, from tables.

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
}

fn rules() -> Rules {
    Rules::builtin().expect("the built-in rules parse")
}

#[test]
fn builtin_rules_parse_and_cover_every_kind() {
    let rules = rules();
    for kind in Kind::ALL {
        let kr = rules.kinds.iter().find(|k| k.kind == kind);
        assert!(
            kr.is_some_and(|k| !k.title.is_empty()),
            "{kind} has title keywords"
        );
    }
    assert!(rules.labels.len() > 20);
}

#[test]
fn parse_date_accepts_every_documented_form() {
    let table = [
        ("2025-03-14", date(2025, 3, 14)),
        ("  2025-03-14  ", date(2025, 3, 14)),
        ("03/14/2025", date(2025, 3, 14)),
        ("3/14/2025", date(2025, 3, 14)),
        ("3/4/2025", date(2025, 3, 4)),
        ("03-14-2025", date(2025, 3, 14)),
        ("March 14, 2025", date(2025, 3, 14)),
        ("march 14 2025", date(2025, 3, 14)),
        ("Mar 14, 2025", date(2025, 3, 14)),
        ("Mar. 14, 2025", date(2025, 3, 14)),
        ("MAR 14, 2025", date(2025, 3, 14)),
        ("Aug 9,2022", date(2022, 8, 9)),
        ("Sept 3, 2024", date(2024, 9, 3)),
        ("April 2nd, 2025", date(2025, 4, 2)),
        ("14 March 2025", date(2025, 3, 14)),
        ("14 Mar 2025", date(2025, 3, 14)),
        ("14-MAR-2025", date(2025, 3, 14)),
        ("14-Mar-2025", date(2025, 3, 14)),
        ("2024-02-29", date(2024, 2, 29)),
        ("14 mars 2025", date(2025, 3, 14)),
        ("3 février 2025", date(2025, 2, 3)),
        ("5 de febrero de 2025", date(2025, 2, 5)),
        ("12 diciembre 2024", date(2024, 12, 12)),
    ];
    for (input, want) in table {
        assert_eq!(parse_date(input), Some(want), "{input:?}");
    }
}

#[test]
fn parse_date_rejects_impossible_dates_and_garbage() {
    let table = [
        "02/30/2025",
        "2025-02-29",
        "13/01/2025",
        "2025-13-01",
        "2025-00-10",
        "14/03/2025",
        "February 30, 2025",
        "31-APR-2025",
        "12/14/00",
        "3/14/25",
        "2025",
        "March 2025",
        "14 Marchy 2025",
        "Smarch 14, 2025",
        "03.14.2025",
        "2025/03/14",
        "20250314",
        "1850-01-01",
        "on 03/14/2025",
        "03/14/2025 at noon",
        "2025-03-14T10:00",
        "03/14/20251",
        "",
        "   ",
        "date",
        "ÉÉÉ 14, 2025",
        "١٢/١٤/٢٠٢٥",
    ];
    for input in table {
        assert_eq!(parse_date(input), None, "{input:?}");
    }
}

#[test]
fn find_date_returns_the_first_date_and_its_byte_range() {
    let table: [(&str, Option<(NaiveDate, &str)>); 8] = [
        (
            "Seen on 03/14/2025 for pain",
            Some((date(2025, 3, 14), "03/14/2025")),
        ),
        (
            "Exam: SEP 24, 2004@11:25",
            Some((date(2004, 9, 24), "SEP 24, 2004")),
        ),
        (
            "Opéré le 2 avril 2025.",
            Some((date(2025, 4, 2), "2 avril 2025")),
        ),
        (
            "éé 2025-03-14T08:00",
            Some((date(2025, 3, 14), "2025-03-14")),
        ),
        (
            "Room 12/14/00 and 3/4/2025",
            Some((date(2025, 3, 4), "3/4/2025")),
        ),
        ("ID 5503/14/2025", None),
        ("no date here", None),
        ("", None),
    ];
    for (input, want) in table {
        let got = find_date(input);
        match want {
            Some((d, text)) => {
                let (found, range) = got.expect("a date is found");
                assert_eq!(found, d, "{input:?}");
                assert_eq!(input.get(range), Some(text), "{input:?}");
            }
            None => assert_eq!(got, None, "{input:?}"),
        }
    }
}

struct Case {
    name: &'static str,
    file: &'static str,
    text: Option<&'static str>,
    overrides: Overrides,
    kind: Kind,
    date: Option<NaiveDate>,
    title: &'static str,
}

fn case(
    name: &'static str,
    file: &'static str,
    text: Option<&'static str>,
    kind: Kind,
    date: Option<NaiveDate>,
    title: &'static str,
) -> Case {
    Case {
        name,
        file,
        text,
        overrides: Overrides::default(),
        kind,
        date,
        title,
    }
}

#[test]
fn classify_table() {
    let rules = rules();
    let cases = [
        case(
            "pathology title line",
            "doc1.pdf",
            Some(
                "Lakeside Regional Laboratory\nSURGICAL PATHOLOGY REPORT\n\
                 Patient: Ada Quill    DOB: 04/12/1961\n\
                 Collected: 02/03/2025   Received: 02/04/2025\n\
                 Specimen: left breast core biopsy\nFINAL DIAGNOSIS: invasive ductal carcinoma",
            ),
            Kind::PathologyReport,
            Some(date(2025, 2, 3)),
            "Surgical pathology report",
        ),
        case(
            "operative report takes the date of surgery",
            "doc2.pdf",
            Some(
                "OPERATIVE REPORT\nPatient: Bo Finch\nDate of Admission: 01/09/2025\n\
                 Date of Surgery: 01/10/2025\nReport Date: 01/12/2025\n\
                 PREOPERATIVE DIAGNOSIS: left breast cancer\nESTIMATED BLOOD LOSS: 20 mL",
            ),
            Kind::OperativeReport,
            Some(date(2025, 1, 10)),
            "Operative report",
        ),
        case(
            "discharge summary takes the discharge date, not the admission date",
            "doc3.pdf",
            Some(
                "DISCHARGE SUMMARY\nAdmission Date: 03/01/2025\nDischarge Date: 03/05/2025\n\
                 HOSPITAL COURSE: uneventful recovery.",
            ),
            Kind::DischargeSummary,
            Some(date(2025, 3, 5)),
            "Discharge summary",
        ),
        case(
            "pathology mentioned only in the body of a discharge summary",
            "doc4.pdf",
            Some(
                "Mercy Vale Hospital\nDischarge Summary\nPatient: Cy Marlow\n\
                 Date of Discharge: April 2, 2025\n\
                 Hospital course: biopsy taken; the pathology report showed a benign lesion.\n\
                 Final diagnosis per pathology: fibroadenoma. Specimen sent for review.",
            ),
            Kind::DischargeSummary,
            Some(date(2025, 4, 2)),
            "Discharge Summary",
        ),
        case(
            "treatment plan title",
            "doc5.pdf",
            Some("CHEMOTHERAPY TREATMENT PLAN\nPlan Date: 2025-05-06\nRegimen: AC-T, 8 cycles"),
            Kind::TreatmentPlan,
            Some(date(2025, 5, 6)),
            "Chemotherapy treatment plan",
        ),
        case(
            "medication list title",
            "doc6.pdf",
            Some("Medication List\nDate: 06/01/2025\nTamoxifen 20 mg tablet, by mouth daily"),
            Kind::MedicationList,
            Some(date(2025, 6, 1)),
            "Medication List",
        ),
        case(
            "consultation note with a date in the title line",
            "doc7.pdf",
            Some(
                "Oncology Consultation Note - March 3, 2025\n\
                 Reason for consultation: new diagnosis.\nSeen again 03/20/2025.",
            ),
            Kind::ConsultationNote,
            Some(date(2025, 3, 3)),
            "Oncology Consultation Note - March 3, 2025",
        ),
        case(
            "imaging report keeps CT in capitals",
            "doc8.pdf",
            Some(
                "Northfield Imaging\tExam: CT CHEST WITH CONTRAST\nExam Date: 14-JAN-2025\n\
                 TECHNIQUE: axial images.\nIMPRESSION: no metastatic disease.",
            ),
            Kind::ImagingReport,
            Some(date(2025, 1, 14)),
            "CT chest with contrast",
        ),
        case(
            "lab results take the collection date",
            "doc9.pdf",
            Some(
                "LABORATORY RESULTS\nReport Date: 2025-02-10\nCollected: 2025-02-08 07:40\n\
                 Test  Result  Units  Reference Range\nHemoglobin 12.1 g/dL 12.0-16.0",
            ),
            Kind::LabResults,
            Some(date(2025, 2, 8)),
            "Laboratory results",
        ),
        case(
            "low-evidence text is other and undated",
            "letter.pdf",
            Some("Dear Ms. Quill,\nPlease bring your insurance card on 03/14/2025.\nThank you."),
            Kind::Other,
            None,
            "Other record",
        ),
        case(
            "a date of birth is never the document date",
            "doc10.pdf",
            Some("PATHOLOGY REPORT\nPatient: Dee Rowan\nDate of Birth: 07/08/1959\nDOB 07/08/1959"),
            Kind::PathologyReport,
            None,
            "Pathology report",
        ),
        case(
            "birth date label is not the generic date label",
            "doc11.pdf",
            Some("CONSULTATION NOTE\nBirth Date: 07/08/1959\nPrinted Date: 05/05/2025"),
            Kind::ConsultationNote,
            None,
            "Consultation note",
        ),
        case(
            "an unlabelled date in the body is not taken",
            "doc12.pdf",
            Some("OPERATIVE NOTE\nSurgeon: Dr. Ames\nThe patient was last seen 02/02/2025."),
            Kind::OperativeReport,
            None,
            "Operative note",
        ),
        case(
            "file name only: kind and ISO date",
            "scans/path_report_2025-03-14.pdf",
            None,
            Kind::PathologyReport,
            Some(date(2025, 3, 14)),
            "Pathology report",
        ),
        case(
            "file name only: compact date",
            "ct_chest_20240102.pdf",
            None,
            Kind::ImagingReport,
            Some(date(2024, 1, 2)),
            "Imaging report",
        ),
        case(
            "file name only: underscored date and a folder keyword",
            "labs/2025_01_15 results.pdf",
            None,
            Kind::LabResults,
            Some(date(2025, 1, 15)),
            "Lab results",
        ),
        case(
            "file name used when the text is too weak",
            "mri_brain_2024-11-02.pdf",
            Some("Page 1 of 2"),
            Kind::ImagingReport,
            Some(date(2024, 11, 2)),
            "Imaging report",
        ),
        case(
            "the text beats the file name",
            "discharge_2020-01-01.pdf",
            Some("SURGICAL PATHOLOGY REPORT\nDate Collected: 05/06/2025"),
            Kind::PathologyReport,
            Some(date(2025, 5, 6)),
            "Surgical pathology report",
        ),
        case(
            "contract is not ct",
            "contract_scan.pdf",
            None,
            Kind::Other,
            None,
            "Other record",
        ),
        case(
            "label ending its line takes the date on the next line",
            "doc13.pdf",
            Some("OPERATIVE REPORT\nDATE OF PROCEDURE:\n09/09/2024\nSurgeon: Dr. Ames"),
            Kind::OperativeReport,
            Some(date(2024, 9, 9)),
            "Operative report",
        ),
        case(
            "French operative report reads numeric dates day first",
            "cr.pdf",
            Some(
                "Clinique des Tilleuls\nCOMPTE RENDU OPÉRATOIRE\n\
                 Date de l'intervention : 03/04/2025\nChirurgien : Dr Morel",
            ),
            Kind::OperativeReport,
            Some(date(2025, 4, 3)),
            "Compte rendu opératoire",
        ),
        case(
            "French title without accents",
            "cr2.pdf",
            Some("COMPTE RENDU OPERATOIRE\nChirurgien : Dr Morel"),
            Kind::OperativeReport,
            None,
            "Compte rendu operatoire",
        ),
        case(
            "French pathology report",
            "ap.pdf",
            Some(
                "COMPTE RENDU ANATOMOPATHOLOGIQUE\nDate du prélèvement : 12 mars 2025\n\
                 Macroscopie : fragment de 2 cm.\nMicroscopie : carcinome.",
            ),
            Kind::PathologyReport,
            Some(date(2025, 3, 12)),
            "Compte rendu anatomopathologique",
        ),
        case(
            "French discharge letter",
            "sortie.pdf",
            Some("LETTRE DE SORTIE\nDate d'entrée : 01/03/2025\nDate de sortie : 08/03/2025"),
            Kind::DischargeSummary,
            Some(date(2025, 3, 8)),
            "Lettre de sortie",
        ),
        case(
            "Spanish pathology report",
            "ap_es.pdf",
            Some(
                "INFORME DE ANATOMÍA PATOLÓGICA\nFecha de toma: 05/02/2025\n\
                 Descripción macroscópica: cilindro de 1 cm.",
            ),
            Kind::PathologyReport,
            Some(date(2025, 2, 5)),
            "Informe de anatomía patológica",
        ),
        case(
            "Spanish operative report",
            "iq.pdf",
            Some("INFORME QUIRÚRGICO\nFecha de la cirugía: 5 de febrero de 2025\nCirujano: Dra. Vidal"),
            Kind::OperativeReport,
            Some(date(2025, 2, 5)),
            "Informe quirúrgico",
        ),
        case(
            "Spanish discharge report",
            "alta.pdf",
            Some("Hospital del Sur\nINFORME DE ALTA\nFecha de ingreso: 01/02/2025\nFecha de alta: 10/02/2025"),
            Kind::DischargeSummary,
            Some(date(2025, 2, 10)),
            "Informe de alta",
        ),
        case(
            "a progress note is other, even with body keywords of other kinds",
            "note.pdf",
            Some("PROGRESS NOTE\nDate of Service: 07/07/2025\nFindings: stable.\nContinue tamoxifen 20 mg daily."),
            Kind::Other,
            Some(date(2025, 7, 7)),
            "Progress note",
        ),
    ];
    for c in cases {
        let got = classify(&rules, c.file, c.text, &c.overrides);
        assert_eq!(
            got.kind, c.kind,
            "{}: kind; evidence {:#?}",
            c.name, got.evidence
        );
        assert_eq!(
            got.date, c.date,
            "{}: date; evidence {:#?}",
            c.name, got.evidence
        );
        assert_eq!(got.title, c.title, "{}: title", c.name);
    }
}

#[test]
fn overrides_beat_text_and_file_name() {
    let rules = rules();
    let overrides = Overrides {
        kind: Some(Kind::ConsultationNote),
        date: Some(date(2024, 12, 24)),
        title: Some("  Second opinion, Dr. Hale  ".to_string()),
    };
    let got = classify(
        &rules,
        "path_report_2025-03-14.pdf",
        Some("SURGICAL PATHOLOGY REPORT\nCollected: 02/03/2025"),
        &overrides,
    );
    assert_eq!(got.kind, Kind::ConsultationNote);
    assert_eq!(got.date, Some(date(2024, 12, 24)));
    assert_eq!(got.title, "Second opinion, Dr. Hale");
    assert_eq!(got.kind_score, 0.0);
    let from_toml: Vec<&Evidence> = got
        .evidence
        .iter()
        .filter(|e| e.source == Source::PacketToml)
        .collect();
    assert_eq!(from_toml.len(), 3);
    assert!(from_toml.iter().all(|e| e.score == 1.0));

    // Only the kind overridden: the date and title still come from the text.
    let kind_only = Overrides {
        kind: Some(Kind::OperativeReport),
        ..Overrides::default()
    };
    let got = classify(
        &rules,
        "x.pdf",
        Some("SURGICAL PATHOLOGY REPORT\nCollected: 02/03/2025\nDate of Surgery: 01/20/2025"),
        &kind_only,
    );
    assert_eq!(got.kind, Kind::OperativeReport);
    assert_eq!(
        got.date,
        Some(date(2025, 1, 20)),
        "the label of the decided kind wins"
    );
    assert_eq!(got.title, "Surgical pathology report");
}

#[test]
fn evidence_names_the_keywords_and_the_date_label() {
    let rules = rules();
    let got = classify(
        &rules,
        "a.pdf",
        Some("SURGICAL PATHOLOGY REPORT\nCollected: 02/03/2025\nGross description: 2 cores."),
        &Overrides::default(),
    );
    let kind: Vec<&Evidence> = got.evidence.iter().filter(|e| e.field == "kind").collect();
    assert_eq!(
        kind.first().map(|e| e.rule.as_str()),
        Some("title keyword \"surgical pathology report\"")
    );
    assert_eq!(kind.first().map(|e| e.score), Some(12.0));
    assert!(kind.iter().all(|e| e.source == Source::Text));
    assert!(
        kind.iter()
            .all(|e| e.rule != "title keyword \"pathology\" in body"),
        "a keyword inside a longer one does not count again"
    );
    assert!(got.kind_score >= 12.0 + 1.5);
    let date = got
        .evidence
        .iter()
        .find(|e| e.field == "date")
        .expect("date evidence");
    assert_eq!(date.rule, "date label \"Collected\"");
    assert_eq!(date.matched, "Collected: 02/03/2025");
    assert_eq!(date.source, Source::Text);

    let undated = classify(&rules, "notes.txt", Some("hello"), &Overrides::default());
    assert!(undated
        .evidence
        .iter()
        .any(|e| e.field == "date" && e.source == Source::Default));
}

#[test]
fn body_keywords_alone_can_decide_but_are_capped() {
    let rules = rules();
    // Body words in a sentence: capped at body_cap.
    let text = "The preoperative diagnosis was a mass, and the postoperative diagnosis \
                the same; the procedure performed was an excision with estimated blood \
                loss minimal, under general anesthesia, by the surgeon, through a \
                curvilinear incision.";
    let got = classify(&rules, "x.pdf", Some(text), &Overrides::default());
    assert_eq!(got.kind, Kind::OperativeReport);
    assert!(got.kind_score <= rules.body_cap + f32::EPSILON);
    assert_eq!(got.title, "Operative report");

    // Section headers: each counts header_multiplier times its weight, together at
    // most header_cap.
    let text = "Preoperative diagnosis: mass\nPostoperative diagnosis: same\n\
                Procedure performed: excision\nEstimated blood loss: minimal\n\
                Anesthesia: general\nSurgeon: Dr. Ames\nIncision: curvilinear";
    let got = classify(&rules, "x.pdf", Some(text), &Overrides::default());
    assert_eq!(got.kind, Kind::OperativeReport);
    assert!((got.kind_score - rules.header_cap).abs() < f32::EPSILON);
    let first = got.evidence.first().expect("kind evidence");
    assert_eq!(first.rule, "section header \"preoperative diagnosis\"");
    assert_eq!(first.score, 1.5 * rules.header_multiplier);
    assert_eq!(got.title, "Operative report");
}

#[test]
fn rules_errors_say_what_is_wrong() {
    let base = |kind_block: &str| {
        format!(
            "[scoring]\ntitle_lines = 8\ntitle_extra_words = 6\nheader_lines = 60\n\
             title_multiplier = 3\nheader_multiplier = 1.5\nbody_multiplier = 1\n\
             header_cap = 9\nbody_cap = 6\nmin_score = 3\nfolder_weight = 0.5\n\n\
             [[language]]\ncode = \"en\"\norder = \"mdy\"\n\
             [[language]]\ncode = \"fr\"\norder = \"dmy\"\n\n{kind_block}\n\
             [dates]\nkind_bonus = 50\n[[dates.label]]\nlabel = \"Date\"\npriority = 10\n"
        )
    };
    let ok = base(
        "[[kind]]\nname = \"lab-results\"\ntitle.en = [{ phrase = \"lab results\", weight = 4 }]\n\
         title.fr = [{ phrase = \"résultats d analyses\", weight = 4 }]\n",
    );
    let rules = Rules::from_toml(&ok).expect("valid rules");
    assert_eq!(rules.languages.len(), 2);
    assert_eq!(rules.kinds.first().map(|k| k.title.len()), Some(2));
    assert_eq!(rules.century_pivot, 69, "the default pivot");

    let table = [
        ("[[kind]]\nname = \"pathology\"\n", "pathology"),
        (
            "[[kind]]\nname = \"other\"\ntitle.en = [{ phrase = \" -- \", weight = 1 }]\n",
            "no letters",
        ),
        (
            "[[kind]]\nname = \"other\"\ntitle.en = [{ phrase = \"x\", weight = -1 }]\n",
            "weight",
        ),
        (
            "[[kind]]\nname = \"other\"\n[[kind]]\nname = \"other\"\n",
            "twice",
        ),
        ("[[kind]]\nname = \"other\"\nbogus = 1\n", "bogus"),
        (
            "[[kind]]\nname = \"other\"\ntitle.de = [{ phrase = \"befund\", weight = 3 }]\n",
            "unknown language \"de\"",
        ),
        (
            "[[kind]]\nname = \"other\"\ntitle.en = [{ phrase = \"Note\", weight = 3 }]\n\
             title.fr = [{ phrase = \"note\", weight = 3 }]\n",
            "listed twice in title",
        ),
        (
            "[[kind]]\nname = \"other\"\ntitle.en = [{ phrase = \"views\", weight = 2 }]\n\
             body.fr = [{ phrase = \"Views\", weight = 1 }]\n",
            "both title and body",
        ),
        (
            "[[kind]]\nname = \"other\"\nincludes = [\"other\"]\n",
            "cannot include itself",
        ),
        (
            "[abbreviations]\n\"spec taken\" = \"specimen taken\"\n[[kind]]\nname = \"other\"\n",
            "one word",
        ),
        (
            "[[kind]]\nname = \"other\"\n[dates]\nkind_bonus = 1\ncentury_pivot = 150\n",
            "century_pivot",
        ),
        (
            "[[kind]]\nname = \"other\"\n[dates]\nkind_bonus = 1\n[[dates.label]]\n\
             label = \"Fecha\"\npriority = 10\nlang = \"es\"\n",
            "unknown language \"es\"",
        ),
    ];
    for (block, needle) in table {
        // A block with its own [dates] replaces the base one.
        let text = match block.split_once("[dates]") {
            Some((kinds, dates)) => base(kinds)
                .split_once("[dates]")
                .map(|(head, _)| format!("{head}[dates]{dates}"))
                .unwrap_or_default(),
            None => base(block),
        };
        let err = Rules::from_toml(&text).expect_err(block).to_string();
        assert!(err.contains(needle), "{block:?}: {err}");
    }
    assert!(Rules::from_toml("not = [toml").is_err());
}

#[test]
fn odd_text_does_not_panic_and_titles_stay_short() {
    let rules = rules();
    let long = format!("SURGICAL PATHOLOGY REPORT {}", "É".repeat(100));
    let texts = [
        long.as_str(),
        "İSTANBUL İÇİN PATHOLOGY REPORT\u{301}",
        "e\u{301}chographie du sein\nDate: 2025-01-01",
        "Date:",
        "Date: \u{200b}",
        "DOB:\n",
        "Collected: 02/30/2025\n",
        "ﬁnal diagnosis ✓ 🩺 specimen",
        "\u{0}\u{1}\t\t\t:::",
    ];
    for text in texts {
        let got = classify(&rules, "ü/é—ß.pdf", Some(text), &Overrides::default());
        assert!(got.title.chars().count() <= MAX_TITLE_CHARS, "{text:?}");
        for e in &got.evidence {
            assert!(e.matched.chars().count() <= MAX_MATCHED_CHARS);
        }
        for (i, _) in text.char_indices() {
            let _ = text.get(i..).map(find_date);
        }
    }
    let got = classify(&rules, "x.pdf", Some(&long), &Overrides::default());
    assert_eq!(got.kind, Kind::PathologyReport);
    assert!(
        got.title.starts_with("Surgical pathology report é"),
        "{}",
        got.title
    );
    assert_eq!(got.title.chars().count(), MAX_TITLE_CHARS);
    assert_eq!(cut_words("one two three four five", 12), "one two");
}

#[test]
fn decomposed_accents_match_like_composed_ones() {
    let rules = rules();
    let got = classify(
        &rules,
        "x.pdf",
        Some("COMPTE RENDU OPE\u{301}RATOIRE\nChirurgien : Dr Morel"),
        &Overrides::default(),
    );
    assert_eq!(got.kind, Kind::OperativeReport);
}

#[test]
fn titles_keep_the_documents_accented_letters() {
    let rules = rules();
    let cases = [
        ("composed", "COMPTE RENDU OPÉRATOIRE\nDate : 14/03/2025"),
        (
            "decomposed",
            "COMPTE RENDU OPE\u{301}RATOIRE\nDate : 14/03/2025",
        ),
        (
            "decomposed lower",
            "Compte rendu ope\u{301}ratoire\nDate : 14/03/2025",
        ),
        // TeX's older fonts draw the accent before its letter.
        (
            "spacing accent",
            "Compte rendu op\u{b4}eratoire\nDate : 14/03/2025",
        ),
        (
            "spaced accent",
            "Compte rendu op \u{b4}eratoire\nDate : 14/03/2025",
        ),
    ];
    for (name, text) in cases {
        let got = classify(&rules, "x.pdf", Some(text), &Overrides::default());
        assert_eq!(got.kind, Kind::OperativeReport, "{name}");
        assert_eq!(got.title, "Compte rendu op\u{e9}ratoire", "{name}");
    }
    // A spacing accent that is no letter's stays as written.
    assert_eq!(compose("it\u{b4}s 10\u{b4}"), "it\u{b4}s 10\u{b4}");
    assert_eq!(compose("plain ascii"), "plain ascii");
}

#[test]
fn list_dates_date_a_medication_list_only() {
    let rules = rules();
    let cases = [
        (
            "MEDICATION LIST\nAs of: 05/01/2025\nTamoxifen 20 mg daily",
            Kind::MedicationList,
            Some(date(2025, 5, 1)),
        ),
        (
            "Current Medications\nUpdated 05/02/2025\nMetformin 500 mg twice daily",
            Kind::MedicationList,
            Some(date(2025, 5, 2)),
        ),
        (
            "MEDICATION LIST\nLast reviewed: 2025-05-03\nLisinopril 10 mg daily",
            Kind::MedicationList,
            Some(date(2025, 5, 3)),
        ),
        (
            "MEDICATION LIST\nReviewed: May 4, 2025\nAspirin 81 mg daily",
            Kind::MedicationList,
            Some(date(2025, 5, 4)),
        ),
        (
            "Liste des médicaments\nMis à jour le 05/05/2025\nParacétamol 1 g",
            Kind::MedicationList,
            Some(date(2025, 5, 5)),
        ),
        // Other documents are not dated by a list's words.
        (
            "LABORATORY REPORT\nResults as of: 05/01/2025\nHemoglobin 13.2 g/dL",
            Kind::LabResults,
            None,
        ),
        (
            "LABORATORY REPORT\nReviewed: 05/01/2025\nCollected: 03/27/2025\nHemoglobin 13.2 g/dL",
            Kind::LabResults,
            Some(date(2025, 3, 27)),
        ),
    ];
    for (text, kind, want) in cases {
        let got = classify(&rules, "x.txt", Some(text), &Overrides::default());
        assert_eq!(got.kind, kind, "{text}");
        assert_eq!(got.date, want, "{text}");
    }
}
