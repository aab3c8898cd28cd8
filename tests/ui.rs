//! Compile-fail cases for the macros' misuse, one per file, and a pass case.
//! Regenerate the `.stderr` files after a toolchain bump: `TRYBUILD=overwrite cargo test --test ui`.

#[test]
#[cfg_attr(miri, ignore = "runs rustc")]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
