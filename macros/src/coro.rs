//! `#[coro]`: a function that says `recv!()` becomes a send-driven `Coro`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit_mut::VisitMut;
use syn::{ItemFn, Type};

use crate::args::{self, Erasure};
use crate::generator::combine;
use crate::rewrite::{Kind, Rewriter, co_ident, inline_body};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_attribute("coro", args, item, expand_fn)
}

/// The entry of an attribute that takes no options and rewrites a `fn` (`#[coro]`, `#[task]`):
/// on an error in the body, the function is still emitted with its real signature and an empty
/// body, so the error is the only one the user sees.
pub(crate) fn expand_attribute(
    name: &str,
    args: TokenStream,
    item: TokenStream,
    expand_fn: fn(&mut ItemFn) -> syn::Result<TokenStream>,
) -> TokenStream {
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            let message = format!("#[{name}] applies to a `fn`");
            let e = syn::Error::new(e.span(), message).to_compile_error();
            return quote!(#e #item);
        }
    };
    if !args.is_empty() {
        let message = format!("#[{name}] takes no options");
        let e = syn::Error::new_spanned(&args, message).to_compile_error();
        return quote!(#e #item);
    }
    match expand_fn(&mut func) {
        Ok(tokens) => tokens,
        Err(e) => {
            let e = e.to_compile_error();
            let mut func = func;
            func.attrs.retain(|a| !a.path().is_ident(name));
            func.sig.asyncness = None;
            func.sig.output = syn::ReturnType::Default;
            *func.block = syn::parse_quote!({});
            quote!(#e #[allow(unused_variables, dead_code)] #func)
        }
    }
}

/// Checks the signature of a `#[coro]` or `#[task]` fn and rewrites its body's macros: the
/// errors found (the body then replaced by `unreachable!()`), and the `allow` that keeps them
/// the only diagnostics.
pub(crate) fn rewrite_body(
    func: &mut ItemFn,
    kind: Kind,
    what: &str,
) -> (Option<TokenStream>, Option<TokenStream>) {
    rewrite_with(func, Rewriter::new(kind, None), what)
}

/// [`rewrite_body`] with a rewriter of the caller's (an async body's allows `.await`).
fn rewrite_with(
    func: &mut ItemFn,
    mut rewriter: Rewriter,
    what: &str,
) -> (Option<TokenStream>, Option<TokenStream>) {
    let mut errors = Vec::new();
    if let Err(e) = args::check_plain_fn(&func.sig, what) {
        errors.push(e);
        func.sig.asyncness = None;
        func.sig.constness = None;
    }
    rewriter.visit_block_mut(&mut func.block);
    errors.extend(rewriter.errors);
    let body_errors = combine(errors).map(|e| {
        *func.block = syn::parse_quote!({ ::core::unreachable!() });
        e.to_compile_error()
    });
    let quiet = body_errors
        .as_ref()
        .map(|_| quote!(#[allow(unused_variables, unused_mut, unreachable_code)]));
    (body_errors, quiet)
}

fn expand_fn(func: &mut ItemFn) -> syn::Result<TokenStream> {
    if func.sig.asyncness.is_some() {
        return expand_async(func);
    }
    let declared = args::declared(&func.sig, "Coro", 3)?;

    // From here on an error still lets us emit the function with its real signature.
    let (body_errors, quiet) = rewrite_body(func, Kind::Coro, "a #[coro] fn");

    let unit: Type = syn::parse_quote!(());
    let input = &declared.types[0];
    let out = declared.types.get(1).unwrap_or(&unit);
    let reply = declared.types.get(2).unwrap_or(&unit);
    let co = co_ident();
    let body = &func.block;
    let inline_body = inline_body();
    let call = quote! {
        ::genpipe::__private::coro::<#input, #out, #reply, _, _>(
            move |#co: ::genpipe::__private::Co<#reply, #input>| { #inline_body async move #body }
        )
    };
    let (output, call) = match declared.erasure {
        Erasure::Opaque => {
            let bound = args::lifetime_bound(&declared.lifetime);
            (
                quote! {
                    ::genpipe::Coro<impl ::genpipe::Resume<In = #input, Out = #out, Reply = #reply> #bound>
                },
                call,
            )
        }
        Erasure::Boxed => {
            let written = &declared.written;
            (quote!(#written), quote!(#call.boxed()))
        }
        Erasure::BoxedLocal => {
            let written = &declared.written;
            (quote!(#written), quote!(#call.boxed_local()))
        }
    };

    let attrs = &func.attrs;
    // As for generators: lets the driver's codegen unit inline the body's poll.
    let inline = (!attrs.iter().any(|a| a.path().is_ident("inline"))).then(|| quote!(#[inline]));
    let signature = args::signature_with_output(func, &output);
    Ok(quote! {
        #body_errors
        #(#attrs)*
        #inline
        #quiet
        #signature {
            #call
        }
    })
}

/// `#[coro] async fn f(..) -> AsyncCoro<In, Out, Reply>`: a consumer that awaits between its
/// receives; `send` is a future.
fn expand_async(func: &mut ItemFn) -> syn::Result<TokenStream> {
    let declared = args::declared(&func.sig, "AsyncCoro", 3)?;
    if declared.erasure != Erasure::Opaque {
        return Err(syn::Error::new_spanned(
            &declared.written,
            "an async #[coro] returns `AsyncCoro<In, Out>`; there is no boxed form",
        ));
    }
    func.sig.asyncness = None;
    let mut rewriter = Rewriter::new(Kind::Coro, None);
    rewriter.allow_await();
    let (body_errors, quiet) = rewrite_with(func, rewriter, "a #[coro] fn");
    let unit: Type = syn::parse_quote!(());
    let input = &declared.types[0];
    let out = declared.types.get(1).unwrap_or(&unit);
    let reply = declared.types.get(2).unwrap_or(&unit);
    let co = co_ident();
    let body = &func.block;
    let inline_body = inline_body();
    let bound = args::lifetime_bound(&declared.lifetime);
    let output = quote! {
        ::genpipe::AsyncCoro<impl ::core::future::Future<Output = #out> #bound, #input, #reply>
    };
    let attrs = &func.attrs;
    let signature = args::signature_with_output(func, &output);
    Ok(quote! {
        #body_errors
        #(#attrs)*
        #quiet
        #signature {
            ::genpipe::__genpipe_requires_async!();
            ::genpipe::__private::async_coro::<#input, #out, #reply, _, _>(
                move |#co: ::genpipe::__private::Co<#reply, #input, true>| { #inline_body async move #body }
            )
        }
    })
}
