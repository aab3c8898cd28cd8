//! `#[generator]`: a function that says `yield_!` becomes a `Gen` (or a `Stage`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{ItemFn, Type};

use crate::args::{self, Declared, Erasure};
use crate::rewrite::{Kind, Rewriter, body_preamble, co_ident, inline_body};

/// `#[generator]` or `#[generator(source)]`.
fn parse_args(args: TokenStream) -> syn::Result<bool> {
    if args.is_empty() {
        return Ok(false);
    }
    let ident: syn::Ident = syn::parse2(args.clone()).map_err(|_| {
        syn::Error::new_spanned(&args, "expected `#[generator]` or `#[generator(source)]`")
    })?;
    if ident == "source" {
        Ok(true)
    } else {
        Err(syn::Error::new_spanned(
            ident,
            "unknown option; the only one is `source`",
        ))
    }
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            let e = syn::Error::new(e.span(), "#[generator] applies to a `fn`");
            return with_error(item, e);
        }
    };
    match expand_fn(args, &mut func) {
        Ok(tokens) => tokens,
        Err(e) => with_error(fallback(&func), e),
    }
}

/// The item plus the error, so the error is the only one the user sees.
fn with_error(item: TokenStream, e: syn::Error) -> TokenStream {
    let e = e.to_compile_error();
    quote!(#e #item)
}

fn expand_fn(args: TokenStream, func: &mut ItemFn) -> syn::Result<TokenStream> {
    let source_only = parse_args(args)?;
    if func.sig.asyncness.is_some() {
        return expand_async(func);
    }
    let declared = args::declared(&func.sig, "Gen", 2)?;
    let upstream = if source_only {
        None
    } else {
        args::take_upstream(&mut func.sig)?
    };

    // From here on an error still lets us emit the function with its real signature and an
    // unreachable body, so callers see no second error.
    let mut errors = Vec::new();
    // After a wrong stage outcome the stage is emitted as if it returned `()`, so the uses of
    // the stage raise no second error.
    let mut unit_stage = false;
    if let Err(e) = args::check_plain_fn(&func.sig, "a #[generator] fn") {
        errors.push(e);
        func.sig.asyncness = None;
        func.sig.constness = None;
    }
    if upstream.is_some() {
        if let Some(ret) = declared.types.get(1)
            && !may_be_stage_outcome(ret)
        {
            unit_stage = true;
            errors.push(syn::Error::new_spanned(
                ret,
                "a stage's body returns `()`, or `Result<(), E>` for a fallible stage: its \
                 pipeline's outcome is its source's (to count or summarize, end the pipeline in \
                 a sink)",
            ));
        }
        if declared.erasure != Erasure::Opaque {
            errors.push(syn::Error::new_spanned(
                &declared.written,
                "a stage returns `Gen<T>`; erase the pipeline it is used in instead",
            ));
        }
    }
    let mut rewriter = Rewriter::new(Kind::Generator, upstream.as_ref().map(|u| u.name.clone()));
    if declared.erasure == Erasure::Opaque {
        rewriter.forbid_unboxed_recursion(func.sig.ident.clone());
    }
    rewriter.visit_block_mut(&mut func.block);
    errors.extend(rewriter.errors);
    let errors = combine(errors).map(|e| e.to_compile_error());
    if errors.is_some() {
        *func.block = syn::parse_quote!({ ::core::unreachable!() });
    }

    let co = co_ident();
    let item = &declared.types[0];
    let unit: Type = syn::parse_quote!(());
    let ret = match declared.types.get(1) {
        Some(ret) if !unit_stage => ret,
        _ => &unit,
    };
    // The body's statements in braces of the macro's own: the user's braces around a one-line
    // body would be the tail of the async block, and rustc would warn they are unnecessary
    // (`unused_braces`) about code the user wrote as any function is written.
    let stmts = &func.block.stmts;
    let body = quote!({ #(#stmts)* });
    let preamble = body_preamble();
    let inline_body = inline_body();
    let (output, call) = match &upstream {
        None => {
            let call = quote! {
                ::genpipe::__private::source::<#item, #ret, _, _>(
                    move |#co: ::genpipe::__private::Co<#item, ()>| { #inline_body async move {
                        #preamble
                        #body
                    } }
                )
            };
            (source_type(&declared, item, ret), erase(&declared, call))
        }
        Some(up) => {
            let (name, input) = (&up.name, &up.item);
            let bound = args::lifetime_bound(&declared.lifetime);
            // The body future is the opaque part, not the stage: auto traits (`Send`) leak
            // through an opaque type but not through a projection of one (`Pulled<U>`).
            // A stage's body returns `()` or, for a fallible stage, a `Result` whose error joins
            // the pipeline's (`StageEnd`, checked by `__private::stage`).
            let output = quote! {
                ::genpipe::Stage<::genpipe::stages::GeneratorOp<
                    impl ::core::future::Future<Output = #ret> #bound, #item, #input
                >>
            };
            let call = quote! {
                ::genpipe::__private::stage::<#item, #input, #ret, _, _>(
                    move |#co: ::genpipe::__private::Co<#item, #input>| { #inline_body async move {
                        #preamble
                        #[allow(unused_variables)]
                        let #name = #co.upstream();
                        #body
                    } }
                )
            };
            (output, call)
        }
    };

    let quiet = errors
        .as_ref()
        .map(|_| quote!(#[allow(unused_variables, unused_mut, unreachable_code)]));
    // The body's poll is compiled with its function; `#[inline]` lets every codegen unit (and
    // crate) that drives the generator inline it, which the engine's speed depends on.
    let inline =
        (!func.attrs.iter().any(|a| a.path().is_ident("inline"))).then(|| quote!(#[inline]));
    let attrs = &func.attrs;
    let signature = args::signature_with_output(func, &output);
    Ok(quote! {
        #errors
        #(#attrs)*
        #inline
        #quiet
        #signature {
            #call
        }
    })
}

/// `#[generator] async fn f(..) -> AsyncGen<T, R>`: a body that awaits, made into a `Stream`.
///
/// A stage's upstream is a `Stream` parameter it keeps (`parsed(lines)`), pinned in the body:
/// `for x in input` and `input.next()` await its items.
fn expand_async(func: &mut ItemFn) -> syn::Result<TokenStream> {
    let declared = args::declared(&func.sig, "AsyncGen", 2)?;
    if declared.erasure != Erasure::Opaque {
        return Err(syn::Error::new_spanned(
            &declared.written,
            "an async generator returns `AsyncGen<T>`; to erase its type, `Box::pin` it as any \
             `Stream`",
        ));
    }
    let upstream = args::stream_upstream(&func.sig)?;
    let mut errors = Vec::new();
    if let Some(c) = &func.sig.constness {
        errors.push(syn::Error::new(
            c.span(),
            "a #[generator] fn cannot be a `const fn`",
        ));
    }
    let mut rewriter = Rewriter::new(Kind::Generator, upstream.clone());
    rewriter.allow_await();
    rewriter.visit_block_mut(&mut func.block);
    errors.extend(rewriter.errors);
    let errors = combine(errors).map(|e| e.to_compile_error());
    if errors.is_some() {
        *func.block = syn::parse_quote!({ ::core::unreachable!() });
    }
    func.sig.asyncness = None;
    func.sig.constness = None;

    let co = co_ident();
    let item = &declared.types[0];
    let unit: Type = syn::parse_quote!(());
    let ret = declared.types.get(1).unwrap_or(&unit);
    let stmts = &func.block.stmts;
    let preamble = body_preamble();
    let inline_body = inline_body();
    let pin_upstream = upstream.map(|up| {
        quote! {
            #[allow(unused_imports)]
            use ::genpipe::__private::AsyncNext as _;
            #[allow(unused_mut)]
            let mut #up = ::core::pin::pin!(#up);
        }
    });
    let bound = args::lifetime_bound(&declared.lifetime);
    let output = quote! {
        ::genpipe::AsyncGen<impl ::core::future::Future<Output = #ret> #bound, #item>
    };
    let quiet = errors
        .as_ref()
        .map(|_| quote!(#[allow(unused_variables, unused_mut, unreachable_code)]));
    let attrs = &func.attrs;
    let signature = args::signature_with_output(func, &output);
    Ok(quote! {
        #errors
        #(#attrs)*
        #quiet
        #signature {
            ::genpipe::__genpipe_requires_async!();
            ::genpipe::__private::async_source::<#item, #ret, _, _>(
                move |#co: ::genpipe::__private::Co<#item, (), true>| { #inline_body async move {
                    #preamble
                    #pin_upstream
                    { #(#stmts)* }
                } }
            )
        }
    })
}

/// Whether `ty` can be a stage body's value as far as syntax tells: `()` or a path that is not
/// one of the common value types (a `Result` alias is a path; the type system checks the rest
/// through `StageEnd`). Catching the obvious cases here gives one error at the signature
/// instead of one at every use.
fn may_be_stage_outcome(ty: &Type) -> bool {
    const VALUES: &[&str] = &[
        "bool", "char", "str", "String", "Vec", "Option", "Box", "usize", "isize", "u8", "u16",
        "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128", "f32", "f64",
    ];
    match ty {
        Type::Tuple(t) => t.elems.is_empty(),
        Type::Paren(p) => may_be_stage_outcome(&p.elem),
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|seg| !VALUES.iter().any(|v| seg.ident == v)),
        _ => false,
    }
}

/// The real return type for `Gen<T, R>`, or the declared boxed type.
fn source_type(declared: &Declared, item: &Type, ret: &Type) -> TokenStream {
    match declared.erasure {
        Erasure::Opaque => {
            let bound = args::lifetime_bound(&declared.lifetime);
            quote!(::genpipe::Gen<impl ::genpipe::Pull<Item = #item, Return = #ret> #bound>)
        }
        Erasure::Boxed | Erasure::BoxedLocal => {
            let written = &declared.written;
            quote!(#written)
        }
    }
}

/// Appends `.boxed()` / `.boxed_local()` for the erased forms.
fn erase(declared: &Declared, call: TokenStream) -> TokenStream {
    match declared.erasure {
        Erasure::Opaque => call,
        Erasure::Boxed => quote!(#call.boxed()),
        Erasure::BoxedLocal => quote!(#call.boxed_local()),
    }
}

/// After an error: the function with its body replaced, so no second error follows from it.
fn fallback(func: &ItemFn) -> TokenStream {
    let mut func = func.clone();
    func.attrs.retain(|a| !a.path().is_ident("generator"));
    for arg in &mut func.sig.inputs {
        if let syn::FnArg::Typed(pt) = arg {
            pt.attrs.retain(|a| !a.path().is_ident("upstream"));
        }
    }
    func.sig.asyncness = None;
    func.sig.constness = None;
    func.sig.output = syn::ReturnType::Default;
    *func.block = syn::parse_quote!({});
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = &func;
    quote! {
        #(#attrs)*
        #[allow(unused_variables, dead_code)]
        #vis #sig #block
    }
}

pub(crate) fn combine(errors: Vec<syn::Error>) -> Option<syn::Error> {
    errors.into_iter().reduce(|mut all, e| {
        all.combine(e);
        all
    })
}
