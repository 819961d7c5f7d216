//! The generator never panics: every fixture and real spec, mutated many
//! ways (values replaced by other JSON types, keys dropped, references
//! broken, nesting made deep), either renders or returns a located error.

use std::path::Path;

use serde_json::Value;
use xtask::codegen::{self, ManifestMode};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Replacement values: every JSON type, plus the spec-shaped oddities real
/// specs contain.
fn odd_value(rng: &mut Rng) -> Value {
    let choices = [
        Value::Null,
        Value::Bool(true),
        serde_json::json!(-1),
        serde_json::json!(1.5),
        serde_json::json!(""),
        serde_json::json!("#/components/schemas/Missing"),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!({"$ref": "#/components/schemas/Missing"}),
        serde_json::json!({"$ref": "https://example.com/remote.yaml#/x"}),
        serde_json::json!({"type": "object", "additionalProperties": {"$ref": "#/nowhere"}}),
        serde_json::json!({"allOf": [{"oneOf": []}, {"not": {}}]}),
        serde_json::json!({"type": "array", "minLength": 3}),
        serde_json::json!({"type": "string", "format": "int128", "enum": [1, null, "a"]}),
        serde_json::json!({"discriminator": {"propertyName": "k"}, "oneOf": [{"type": "string"}]}),
    ];
    choices[rng.below(choices.len())].clone()
}

/// Applies one random mutation somewhere in `value`.
fn mutate(value: &mut Value, rng: &mut Rng, depth: usize) {
    let descend = depth < 12 && rng.below(4) != 0;
    match value {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = keys[rng.below(keys.len())].clone();
            if descend {
                if let Some(child) = map.get_mut(&key) {
                    mutate(child, rng, depth + 1);
                    return;
                }
            }
            match rng.below(3) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(key, odd_value(rng));
                }
                _ => {
                    let copy = map.get(&key).cloned().unwrap_or(Value::Null);
                    map.insert(format!("{key}_copy"), copy);
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let index = rng.below(items.len());
            if descend {
                mutate(&mut items[index], rng, depth + 1);
            } else if rng.below(2) == 0 {
                items.remove(index);
            } else {
                items[index] = odd_value(rng);
            }
        }
        other => *other = odd_value(rng),
    }
}

fn check(spec: &Path, mutations: usize, seed: u64) {
    let text = std::fs::read_to_string(spec).unwrap();
    let original: Value = serde_yaml::from_str(&text).unwrap();
    let mut rng = Rng(seed);
    let mut rendered = 0;
    let mut errors = 0;
    for round in 0..mutations {
        let mut value = original.clone();
        for _ in 0..=rng.below(3) {
            mutate(&mut value, &mut rng, 0);
        }
        let text = serde_json::to_string(&value).unwrap();
        let name = Path::new("mutated.json");
        let outcome = std::panic::catch_unwind(|| {
            codegen::render_text(name, &text, "mutated", &ManifestMode::Workspace)
        });
        match outcome {
            Ok(Ok(_)) => rendered += 1,
            Ok(Err(error)) => {
                let message = error.to_string();
                assert!(
                    message.starts_with("mutated.json"),
                    "error without the file: {message}"
                );
                errors += 1;
            }
            Err(_) => panic!(
                "the generator panicked on mutation {round} of {} (seed {seed}):\n{text}",
                spec.display()
            ),
        }
    }
    assert_eq!(rendered + errors, mutations);
    // Both outcomes must occur, or the mutations are not reaching anything.
    assert!(
        rendered > 0 && errors > 0,
        "{}: {rendered} rendered, {errors} errors",
        spec.display()
    );
}

#[test]
fn mutated_fixtures_render_or_fail_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut specs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    specs.sort();
    for (i, spec) in specs.iter().enumerate() {
        check(spec, 80, 0x9E37_79B9_7F4A_7C15 ^ i as u64);
    }
}

#[test]
fn mutated_real_specs_render_or_fail_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for (i, spec) in [
        "spec/cloudflare-access-users.yaml",
        "spec/keycard-zone-users.yaml",
        "xtask/tests/data/cloudflare-access-users-2024.json",
    ]
    .iter()
    .enumerate()
    {
        check(&root.join(spec), 150, 0xD1B5_4A32_D192_ED03 ^ i as u64);
    }
}
