//! The OpenAPI document describes every route of `/api/v1`: its method, a response for each
//! status a client must handle, a schema for every body, and examples for what clients send.

use plankammer_tests::routen;
use serde_json::Value;

fn dokument() -> Value {
    serde_json::to_value(plankammer_api::api::openapi::openapi()).expect("serialize")
}

#[test]
fn every_api_route_is_described_with_its_method() {
    let doc = dokument();
    let pfade = doc["paths"].as_object().expect("paths");
    let mut fehlend = Vec::new();
    for (methode, pfad) in routen::alle() {
        if !pfad.starts_with("/api/v1/") {
            continue;
        }
        let m = methode.to_lowercase();
        if pfade.get(&pfad).and_then(|p| p.get(&m)).is_none() {
            fehlend.push(format!("{methode} {pfad}"));
        }
    }
    assert!(
        fehlend.is_empty(),
        "not in the OpenAPI document: {fehlend:#?}"
    );
    // And nothing described that is not served.
    let alle = routen::alle();
    for (pfad, ops) in pfade {
        for m in ops.as_object().unwrap().keys() {
            assert!(
                alle.contains(&(m.to_uppercase(), pfad.clone())),
                "described but not served: {m} {pfad}"
            );
        }
    }
}

#[test]
fn every_operation_answers_errors_as_problem_details_and_has_a_schema() {
    let doc = dokument();
    for (pfad, ops) in doc["paths"].as_object().unwrap() {
        for (m, op) in ops.as_object().unwrap() {
            let antworten = op["responses"].as_object().expect("responses");
            assert!(
                antworten.keys().any(|s| s.starts_with('2')),
                "{m} {pfad}: no success response"
            );
            assert!(
                antworten.contains_key("401"),
                "{m} {pfad}: a client must learn that it is not signed in"
            );
            for (status, a) in antworten {
                if !status.starts_with('4') {
                    continue;
                }
                let problem = &a["content"]["application/problem+json"]["schema"];
                let schema = if problem.is_null() {
                    &a["content"]["application/json"]["schema"]
                } else {
                    problem
                };
                assert!(!schema.is_null(), "{m} {pfad} {status}: no schema");
                if matches!(status.as_str(), "401" | "403" | "404") {
                    assert!(
                        !problem.is_null(),
                        "{m} {pfad} {status}: sent as application/problem+json"
                    );
                }
                // A multipart upload answers per file (what was stored stays); every other
                // refusal is a problem.
                if matches!(status.as_str(), "401" | "403" | "404") || !schema["$ref"].is_null() {
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/ApiErrorBody",
                        "{m} {pfad} {status}: errors are problem details"
                    );
                }
            }
            if let Some(body) = op.get("requestBody") {
                let json = &body["content"]["application/json"];
                if !json.is_null() {
                    assert!(
                        !json["schema"].is_null(),
                        "{m} {pfad}: request body without a schema"
                    );
                }
            }
        }
    }
}

#[test]
fn the_inputs_of_the_procedure_carry_examples() {
    let doc = dokument();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    // Every schema a client sends (named …In, or NewCase) shows what to send.
    for (name, s) in schemas {
        if name.ends_with("In") || name == "NewCase" {
            assert!(
                !s["example"].is_null() || !s["examples"].is_null(),
                "{name} has no example"
            );
        }
    }
}
