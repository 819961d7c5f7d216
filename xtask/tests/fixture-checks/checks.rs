//! Behaviour of generated fixture models, compiled and run against the
//! crates generated from `tests/fixtures/*.yaml`; `compile.rs` runs it in the
//! generated workspace (it is not a test of this package).

use serde_json::json;

#[test]
fn nullable_and_optional_stay_distinct() {
    use nullable_models::types::ThingPatch;
    let mut patch = ThingPatch::new("x").optional_nullable(None);
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
        Mapped::Circle(Circle::new(2.0).kind("round"))
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
    use apigen_runtime::{OptionalParams, Paginated};
    use pagination_models::operations::{CursorsList, PagesList, PagesListParams};
    use pagination_models::types::{CursorsListResult, CursorsListResultPagination, PagesListMeta};
    let mut pages = PagesList::new();
    assert_eq!(pages.page(), None);
    pages.set_page(3);
    assert_eq!(pages.page(), Some(3));
    // `with_params` replaces every optional input.
    let pages = pages.with_params(PagesListParams::new());
    assert_eq!(pages.page(), None);
    assert_eq!(
        PagesList::total_pages(&PagesListMeta::new().total_pages(7.0)),
        Some(7)
    );

    let mut cursors = CursorsList::new();
    cursors.set_cursor("c1".into());
    assert_eq!(cursors.params.after.as_deref(), Some("c1"));
    let output = CursorsListResult::new()
        .items(vec![1, 2])
        .pagination(CursorsListResultPagination::new().next("c2"));
    assert_eq!(CursorsList::next_cursor(&output), Some("c2".into()));
    assert_eq!(CursorsList::into_items(output), vec![1, 2]);
}

/// `new` takes the required fields (the ones with no `None` to start
/// from), a setter each of the others; what they build is what is sent.
#[test]
fn constructors_take_required_fields_and_setters_the_rest() {
    use nullable_models::types::{Scope, ThingPatch};
    let patch = ThingPatch::new(String::from("x"))
        .required_nullable("r")
        .optional_plain("o")
        .optional_nullable(Some("n".into()))
        .nullable_ref(Some(Scope::new().id("s")));
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({
            "required_plain": "x",
            "required_nullable": "r",
            "optional_plain": "o",
            "optional_nullable": "n",
            "nullable_ref": {"id": "s"},
        })
    );
    // `None` on a nullable optional field is an explicit `null`.
    let patch = ThingPatch::new("x").nullable_ref(None);
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({"required_plain": "x", "required_nullable": null, "nullable_ref": null})
    );
    // A type with only optional fields: `new()` is `Default`.
    assert_eq!(Scope::new(), Scope::default());

    // Recursive fields are boxed by the setter and the constructor.
    use recursion_models::types::{Expr, Node, Sum};
    let node = Node::new()
        .parent(Node::new().children(vec![Node::new()]))
        .children(Vec::new());
    assert_eq!(
        serde_json::to_value(&node).unwrap(),
        json!({"parent": {"children": [{}]}, "children": []})
    );
    let sum = Sum::new(Expr::String("a".into()), Expr::String("b".into()));
    assert_eq!(
        serde_json::to_value(&sum).unwrap(),
        json!({"left": "a", "right": "b"})
    );

    // Undeclared properties: empty from `new`, set as a map.
    use collections_models::types::Extensible;
    let value = Extensible::new()
        .name("n")
        .additional_properties([("a".to_owned(), 1)].into());
    assert_eq!(
        serde_json::to_value(&value).unwrap(),
        json!({"name": "n", "a": 1})
    );

    // A property named `new` yields to the constructor: field and setter
    // `new_2`, still sent as `new`.
    use collisions_models::types::Bag;
    let bag = Bag::new().new_2(true);
    assert_eq!(serde_json::to_value(&bag).unwrap(), json!({"new": true}));
    // Nor do `Clone::clone` and `Default::default` yield to setters.
    let bag = Bag::default().clone_2("c").default_2(true);
    assert_eq!(bag.clone(), bag);
    assert_eq!(
        serde_json::to_value(&bag).unwrap(),
        json!({"clone": "c", "default": true})
    );
}
