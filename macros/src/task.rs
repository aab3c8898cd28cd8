//! `#[task]`: a function that says `syscall!(call)` becomes a task for `genpipe::sched`.
//!
//! A task is a `#[coro]` turned around: each `syscall!` answers the scheduler's last resume
//! with a request and receives the reply, so the scheduler drives it with `ask(reply)`. Its
//! first receive waits for the scheduler to start it: making a task runs none of its body.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::args::{self, Erasure};
use crate::coro::{expand_attribute, rewrite_body};
use crate::rewrite::{Kind, co_ident, inline_body};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_attribute("task", args, item, expand_fn)
}

fn expand_fn(func: &mut ItemFn) -> syn::Result<TokenStream> {
    let declared = args::declared(&func.sig, "Task", 1)?;
    if declared.erasure != Erasure::Opaque || declared.lifetime.is_some() {
        return Err(syn::Error::new_spanned(
            &declared.written,
            "a #[task] fn returns `Task<R>` (tasks are boxed already, and own what they use)",
        ));
    }
    let (body_errors, quiet) = rewrite_body(func, Kind::Task, "a #[task] fn");

    let out = &declared.types[0];
    // The type as written, so it resolves (and counts as used) where the user imported it.
    let written = &declared.written;
    let co = co_ident();
    // In braces of the macro's own, as a generator's (`unused_braces` on one-line bodies).
    let stmts = &func.block.stmts;
    let body = quote!({ #(#stmts)* });
    let inline_body = inline_body();
    let attrs = &func.attrs;
    let ident = &func.sig.ident;
    let signature = args::signature_with_output(func, &quote!(#written));
    Ok(quote! {
        #body_errors
        #(#attrs)*
        #quiet
        #signature {
            ::genpipe::sched::Task::__from_body(
                ::core::stringify!(#ident),
                ::genpipe::__private::coro::<::genpipe::sched::Reply, #out, ::genpipe::sched::Request, _, _>(
                    move |#co: ::genpipe::__private::Co<::genpipe::sched::Request, ::genpipe::sched::Reply>| {
                        #inline_body async move {
                            // Started by the scheduler, not by being made.
                            let _ = #co.next().await;
                            #body
                        }
                    }
                ),
            )
        }
    })
}
