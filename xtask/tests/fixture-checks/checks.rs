//! Behaviour of generated fixture models, compiled and run against the
//! crates generated from `tests/fixtures/*.yaml`; `compile.rs` runs it in the
//! generated workspace (it is not a test of this package).

use serde_json::json;

#[test]
fn nullable_and_optional_stay_distinct() {
    use nullable_models::types::ThingPatch;
    let mut patch = ThingPatch {
        nullable_ref: None,
        optional_nullable: Some(None),
        optional_plain: None,
        required_nullable: None,
        required_plain: "x".into(),
    };
    // An explicit null is sent; an unset optional field is omitted.
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({"optional_nullable": null, "required_nullable": null, "required_plain": "x"})
    );
    patch.optional_nullable = None;
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({"required_nullable": null, "required_plain": "x"})
    );
    let decoded: ThingPatch =
        serde_json::from_value(json!({"required_plain": "y", "optional_nullable": null})).unwrap();
    assert_eq!(decoded.optional_nullable, Some(None));
    let decoded: ThingPatch = serde_json::from_value(json!({"required_plain": "y"})).unwrap();
    assert_eq!(decoded.optional_nullable, None);
}

#[test]
fn enums_keep_unknown_values() {
    use enums_models::types::Status;
    let known: Status = serde_json::from_value(json!("role-assignments")).unwrap();
    assert_eq!(known, Status::RoleAssignments);
    let unknown: Status = serde_json::from_value(json!("brand-new")).unwrap();
    assert_eq!(unknown, Status::Unknown("brand-new".into()));
    assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("brand-new"));
    assert_eq!(Status::Empty.as_str(), "");
}

#[test]
fn discriminated_unions_pick_by_tag_and_keep_unknown_tags() {
    use composition_models::types::{Circle, Mapped, Pet};
    let round: Mapped = serde_json::from_value(json!({"kind": "round", "radius": 2.0})).unwrap();
    assert_eq!(
        round,
        Mapped::Circle(Circle {
            kind: Some("round".into()),
            radius: 2.0
        })
    );
    // The variant keeps its own copy of the tag, so it round-trips.
    assert_eq!(
        serde_json::to_value(&round).unwrap(),
        json!({"kind": "round", "radius": 2.0})
    );
    let square: Pet = serde_json::from_value(json!({"kind": "Square", "side": 1.0})).unwrap();
    assert!(matches!(square, Pet::Square(_)));
    let other: Mapped = serde_json::from_value(json!({"kind": "hexagon", "sides": 6})).unwrap();
    assert_eq!(
        other,
        Mapped::Unknown(json!({"kind": "hexagon", "sides": 6}))
    );
    // A known tag with a bad body is an error, not a silent Unknown.
    assert!(serde_json::from_value::<Mapped>(json!({"kind": "circle"})).is_err());
}

#[test]
fn untagged_unions_try_variants_in_order() {
    use composition_models::types::Shape;
    assert!(matches!(
        serde_json::from_value::<Shape>(json!("text")).unwrap(),
        Shape::String(_)
    ));
    assert!(matches!(
        serde_json::from_value::<Shape>(json!({"side": 2.0})).unwrap(),
        Shape::Square(_)
    ));
}

#[test]
fn all_of_merges_members() {
    use composition_models::types::Merged;
    let merged: Merged =
        serde_json::from_value(json!({"id": "a", "items": [{"count": 1.0}], "extra": true}))
            .unwrap();
    assert_eq!(merged.items.len(), 1);
    assert_eq!(merged.extra, Some(true));
}

#[test]
fn recursive_types_nest() {
    use recursion_models::types::{Expr, Node};
    let node: Node = serde_json::from_value(json!({"parent": {"children": [{}]}})).unwrap();
    assert_eq!(node.parent.unwrap().children.unwrap().len(), 1);
    let expr: Expr =
        serde_json::from_value(json!({"left": "a", "right": {"left": "b", "right": "c"}})).unwrap();
    assert!(matches!(expr, Expr::Sum(_)));
}

#[test]
fn maps_and_extra_properties() {
    use collections_models::types::Extensible;
    let value: Extensible = serde_json::from_value(json!({"name": "n", "a": 1, "b": 2})).unwrap();
    assert_eq!(value.additional_properties.len(), 2);
}

#[test]
fn pagination_accessors_follow_the_spec() {
    use apigen_runtime::Paginated;
    use pagination_models::operations::{
        CursorsList, CursorsListParams, PagesList, PagesListParams,
    };
    use pagination_models::types::{CursorsListResult, CursorsListResultPagination, PagesListMeta};
    let mut pages = PagesList::new(PagesListParams::new());
    assert_eq!(pages.page(), None);
    pages.set_page(3);
    assert_eq!(pages.page(), Some(3));
    assert_eq!(
        PagesList::total_pages(&PagesListMeta {
            total_pages: Some(7.0)
        }),
        Some(7)
    );

    let mut cursors = CursorsList::new(CursorsListParams::new());
    cursors.set_cursor("c1".into());
    assert_eq!(cursors.params.after.as_deref(), Some("c1"));
    let output = CursorsListResult {
        items: Some(vec![1, 2]),
        pagination: Some(CursorsListResultPagination {
            next: Some("c2".into()),
        }),
    };
    assert_eq!(CursorsList::next_cursor(&output), Some("c2".into()));
    assert_eq!(CursorsList::into_items(output), vec![1, 2]);
}
