//! Expansion snapshots: `expand` → `prettyplease` → insta. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test -p genpipe-macros` and read the diff).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

fn pretty(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        // Error output (`compile_error!` plus the item) is not always a parseable file.
        Err(_) => tokens.to_string(),
    }
}

fn generator(args: TokenStream, item: TokenStream) -> String {
    pretty(crate::generator::expand(args, item))
}

fn coro(item: TokenStream) -> String {
    pretty(crate::coro::expand(TokenStream::new(), item))
}

#[test]
fn source_generator() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            /// Counts down.
            pub fn countdown(n: u32) -> Gen<u32> {
                for i in (1..=n).rev() {
                    yield_!(i);
                }
            }
        }
    ));
}

#[test]
fn borrowing_generator_with_return_value() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            fn words<'a>(text: &'a str) -> Gen<'a, &'a str, usize> {
                let mut n = 0;
                for w in text.split_whitespace() {
                    n += 1;
                    yield_!(w);
                }
                n
            }
        }
    ));
}

#[test]
fn fallible_stage_generator() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            fn numbers(input: impl Iterator<Item = Line>) -> Gen<u64, genpipe::Result<()>> {
                for line in input {
                    yield_!(line.parse()?);
                }
                Ok(())
            }
        }
    ));
}

#[test]
fn stage_generator() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            fn pairs(mut input: impl Iterator<Item = u32>) -> Gen<(u32, u32)> {
                'outer: for a in input {
                    while let Some(b) = input.next() {
                        yield_!((a, b));
                        continue 'outer;
                    }
                }
                yield_from!(input);
            }
        }
    ));
}

#[test]
fn source_opt_out_keeps_iterator_parameters() {
    insta::assert_snapshot!(generator(
        quote!(source),
        quote! {
            fn zip2(a: impl Iterator<Item = u32>, b: impl Iterator<Item = u32>) -> Gen<(u32, u32)> {
                yield_from!(a.zip(b));
            }
        }
    ));
}

#[test]
fn recursive_boxed_generator() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            fn leaves<'a>(tree: &'a Tree) -> BoxGen<'a, u32> {
                for child in &tree.children {
                    yield_from!(leaves(child));
                }
                yield_!(tree.value);
            }
        }
    ));
}

#[test]
fn yield_inside_another_macro() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            fn logged() -> Gen<u8> {
                println!("{:?}", yield_!(1));
            }
        }
    ));
}

#[test]
fn two_way_coroutine() {
    insta::assert_snapshot!(coro(quote! {
        fn averager() -> Coro<f64, (), f64> {
            let (mut total, mut n) = (0.0, 0.0);
            let mut next = recv!();
            while let Some(x) = next {
                total += x;
                n += 1.0;
                next = recv!(total / n);
            }
        }
    }));
}

#[test]
fn error_yield_in_closure_keeps_the_signature() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            fn bad(v: Vec<u8>) -> Gen<u8> {
                v.iter().for_each(|x| { yield_!(*x); });
            }
        }
    ));
}

#[test]
fn error_bad_return_type() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            fn bad() -> Vec<u8> {
                yield_!(1);
            }
        }
    ));
}

#[test]
fn error_unknown_option() {
    insta::assert_snapshot!(generator(
        quote!(lazy),
        quote! {
            fn bad() -> Gen<u8> {}
        }
    ));
}

fn memoize(args: TokenStream, item: TokenStream) -> String {
    pretty(crate::memoize::expand(args, item))
}

#[test]
fn memoized_lookup_by_borrowed_key() {
    insta::assert_snapshot!(memoize(
        quote!(capacity = 1000),
        quote! {
            /// Resolves a host.
            pub fn host_key(host: &str) -> String {
                host.to_uppercase()
            }
        }
    ));
}

#[test]
fn memoized_shared_with_several_arguments_and_ttl() {
    insta::assert_snapshot!(memoize(
        quote!(shared, ttl = std::time::Duration::from_secs(60)),
        quote! {
            fn joined(a: &str, n: u32) -> String {
                format!("{a}{n}")
            }
        }
    ));
}

fn task(item: TokenStream) -> String {
    pretty(crate::task::expand(TokenStream::new(), item))
}

#[test]
fn task_with_system_calls() {
    insta::assert_snapshot!(task(quote! {
        fn worker(n: u32) -> Task<u32> {
            let me = syscall!(GetTid);
            for _ in 0..n {
                syscall!(Yield);
            }
            assert_eq!(syscall!(Wait(me)).is_err(), true);
            me.0 as u32
        }
    }));
}

/// What a downstream crate's rustdoc shows of a generator: its signature. It must name only
/// public, documented paths, never `__private`.
#[test]
fn generator_signatures_name_no_private_path() {
    let items = [
        quote! { pub fn src(n: u32) -> Gen<u32> { yield_!(n); } },
        quote! { pub fn stage(input: impl Iterator<Item = u32>) -> Gen<u32> { for x in input { yield_!(x); } } },
        quote! { pub fn fallible(input: impl Iterator<Item = u32>) -> Gen<u32, genpipe::Result<()>> { for x in input { yield_!(x); } Ok(()) } },
        quote! { pub fn boxed<'a>(n: u32) -> BoxGen<'a, u32> { yield_!(n); } },
    ];
    for item in items {
        let file: syn::File =
            syn::parse2(crate::generator::expand(TokenStream::new(), item)).unwrap();
        for it in file.items {
            if let syn::Item::Fn(f) = it {
                let sig = f.sig.to_token_stream().to_string();
                assert!(!sig.contains("__private"), "a private path in {sig}");
            }
        }
    }
    for item in [
        quote! { pub fn c() -> Coro<u32, u32> { while recv!().is_some() {} 0 } },
        quote! { pub fn t(n: u32) -> Task<u32> { n } },
    ] {
        let expanded = if item.to_string().contains("Task") {
            crate::task::expand(TokenStream::new(), item)
        } else {
            crate::coro::expand(TokenStream::new(), item)
        };
        let file: syn::File = syn::parse2(expanded).unwrap();
        for it in file.items {
            if let syn::Item::Fn(f) = it {
                let sig = f.sig.to_token_stream().to_string();
                assert!(!sig.contains("__private"), "a private path in {sig}");
            }
        }
    }
}

#[test]
fn async_source_generator() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            /// Rows of pages fetched one at a time.
            pub async fn rows(client: Client) -> AsyncGen<Row, Result<(), Error>> {
                let mut page = 0;
                while let Some(body) = client.fetch(page).await? {
                    for row in body.rows() {
                        yield_!(row);
                    }
                    page += 1;
                }
                Ok(())
            }
        }
    ));
}

#[test]
fn async_stage_keeps_its_stream_parameter() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            async fn enriched(lookup: Lookup, input: impl Stream<Item = Line>) -> AsyncGen<Row> {
                for line in input {
                    let who = lookup.user(line.field(0)).await;
                    yield_!(Row::new(line, who));
                }
            }
        }
    ));
}

#[test]
fn async_coroutine() {
    insta::assert_snapshot!(coro(quote! {
        async fn writer(mut sock: TcpStream) -> AsyncCoro<Line, std::io::Result<u64>> {
            let mut n = 0;
            while let Some(line) = recv!() {
                sock.write_all(line.as_bytes()).await?;
                n += 1;
            }
            Ok(n)
        }
    }));
}

#[test]
fn error_async_generator_returning_gen() {
    insta::assert_snapshot!(generator(
        quote!(),
        quote! {
            async fn numbers() -> Gen<u32> {
                yield_!(1);
            }
        }
    ));
}
