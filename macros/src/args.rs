//! Reading the signature: the declared return type and the upstream parameter.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{
    FnArg, GenericArgument, Lifetime, Pat, PathArguments, ReturnType, Signature, Type,
    TypeParamBound,
};

/// How the function's value is handed out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Erasure {
    /// `Gen<T>` / `Coro<In, Out>`: an opaque `impl` type.
    Opaque,
    /// `BoxGen` / `BoxCoro`: boxed, `Send`.
    Boxed,
    /// `LocalBoxGen` / `LocalBoxCoro`: boxed.
    BoxedLocal,
}

/// The declared return type, split into its parts.
pub(crate) struct Declared {
    pub(crate) erasure: Erasure,
    pub(crate) lifetime: Option<Lifetime>,
    /// The type arguments after the lifetime, in order.
    pub(crate) types: Vec<Type>,
    /// The declared type as written, for boxed forms.
    pub(crate) written: Type,
}

/// Parses `-> Gen<..>` (or `Coro<..>` with `family = "Coro"`).
pub(crate) fn declared(sig: &Signature, family: &str, max_types: usize) -> syn::Result<Declared> {
    let hint = || {
        if family == "AsyncGen" {
            "an async #[generator] fn returns `AsyncGen<T>` or `AsyncGen<T, R>`, a `Stream` of `T` \
             (feature `async`; `R` is the body's value); without `async`, it returns `Gen<T>`"
        } else if family == "AsyncCoro" {
            "an async #[coro] fn returns `AsyncCoro<In, Out>` or `AsyncCoro<In, Out, Reply>` \
             (feature `async`); without `async`, it returns `Coro<In, Out>`"
        } else if family == "Gen" {
            "a #[generator] fn must return `Gen<T>`, `Gen<T, R>` or `Gen<'a, T>`; \
             a recursive one `BoxGen<'a, T>` or `LocalBoxGen<'a, T>`"
        } else if family == "Task" {
            "a #[task] fn must return `Task<R>`: R is what the task ends with"
        } else {
            "a #[coro] fn must return `Coro<In, Out>` or `Coro<In, Out, Reply>` \
             (or `BoxCoro<'a, In, Out>` / `LocalBoxCoro<'a, In, Out>`)"
        }
    };
    let ty = match &sig.output {
        ReturnType::Type(_, ty) => ty.as_ref(),
        ReturnType::Default => {
            return Err(syn::Error::new(sig.paren_token.span.close(), hint()));
        }
    };
    let Type::Path(path) = ty else {
        return Err(syn::Error::new_spanned(ty, hint()));
    };
    let Some(last) = path.path.segments.last() else {
        return Err(syn::Error::new_spanned(ty, hint()));
    };
    let name = last.ident.to_string();
    let erasure = if name == family {
        Erasure::Opaque
    } else if name == format!("Box{family}") {
        Erasure::Boxed
    } else if name == format!("LocalBox{family}") {
        Erasure::BoxedLocal
    } else {
        return Err(syn::Error::new_spanned(ty, hint()));
    };
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Err(syn::Error::new_spanned(ty, hint()));
    };
    let mut lifetime = None;
    let mut types = Vec::new();
    for arg in &args.args {
        match arg {
            GenericArgument::Lifetime(lt) if types.is_empty() && lifetime.is_none() => {
                lifetime = Some(lt.clone());
            }
            GenericArgument::Type(t) => types.push(t.clone()),
            other => return Err(syn::Error::new_spanned(other, hint())),
        }
    }
    if types.is_empty() || types.len() > max_types {
        return Err(syn::Error::new_spanned(ty, hint()));
    }
    Ok(Declared {
        erasure,
        lifetime,
        types,
        written: ty.clone(),
    })
}

/// The upstream parameter of a stage generator, removed from the signature.
pub(crate) struct Upstream {
    pub(crate) name: syn::Ident,
    pub(crate) item: Type,
}

/// Finds the upstream: a parameter marked `#[upstream]`, else a last parameter of type
/// `impl Iterator<Item = T>`. Removes it (and the marker) from `sig`.
pub(crate) fn take_upstream(sig: &mut Signature) -> syn::Result<Option<Upstream>> {
    let mut marked = None;
    for (i, arg) in sig.inputs.iter_mut().enumerate() {
        if let FnArg::Typed(pt) = arg {
            let before = pt.attrs.len();
            pt.attrs.retain(|a| !a.path().is_ident("upstream"));
            if pt.attrs.len() != before {
                if marked.is_some() {
                    return Err(syn::Error::new_spanned(
                        pt,
                        "only one parameter can be #[upstream]",
                    ));
                }
                marked = Some(i);
            }
        }
    }
    let index = match marked {
        Some(i) => i,
        None => match sig.inputs.last() {
            Some(FnArg::Typed(pt)) if iterator_item(&pt.ty).is_some() => sig.inputs.len() - 1,
            _ => return Ok(None),
        },
    };
    let arg = sig.inputs.iter().nth(index).cloned();
    let Some(FnArg::Typed(pt)) = arg else {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[upstream] must mark a typed parameter",
        ));
    };
    let Some(item) = iterator_item(&pt.ty) else {
        return Err(syn::Error::new_spanned(
            &pt.ty,
            "the upstream parameter must have type `impl Iterator<Item = T>` \
             (or `impl IntoIterator<Item = T>`)",
        ));
    };
    let name = match pt.pat.as_ref() {
        Pat::Ident(pi) if pi.subpat.is_none() => pi.ident.clone(),
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "the upstream parameter must be a plain name, e.g. `input`",
            ));
        }
    };
    sig.inputs = sig
        .inputs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, a)| a.clone())
        .collect();
    Ok(Some(Upstream { name, item }))
}

/// The upstream of an async stage: a last parameter of type `impl Stream<Item = T>`, kept in
/// the signature (the stage is called with its upstream: `parsed(lines)`).
pub(crate) fn stream_upstream(sig: &Signature) -> syn::Result<Option<syn::Ident>> {
    let Some(FnArg::Typed(pt)) = sig.inputs.last() else {
        return Ok(None);
    };
    if impl_trait_item(&pt.ty, &["Stream"]).is_none() {
        return Ok(None);
    }
    match pt.pat.as_ref() {
        Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => Ok(Some(pi.ident.clone())),
        other => Err(syn::Error::new_spanned(
            other,
            "the upstream parameter must be a plain name, e.g. `input`",
        )),
    }
}

/// `T` of `impl Iterator<Item = T>` / `impl IntoIterator<Item = T>`.
fn iterator_item(ty: &Type) -> Option<Type> {
    impl_trait_item(ty, &["Iterator", "IntoIterator"])
}

/// `T` of `impl Trait<Item = T>` for one of `traits`.
fn impl_trait_item(ty: &Type, traits: &[&str]) -> Option<Type> {
    let Type::ImplTrait(it) = ty else { return None };
    it.bounds.iter().find_map(|b| {
        let TypeParamBound::Trait(tb) = b else {
            return None;
        };
        let seg = tb.path.segments.last()?;
        if !traits.iter().any(|t| seg.ident == t) {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &seg.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            GenericArgument::AssocType(at) if at.ident == "Item" => Some(at.ty.clone()),
            _ => None,
        })
    })
}

/// `+ 'a` when the declared type named a lifetime.
pub(crate) fn lifetime_bound(lifetime: &Option<Lifetime>) -> TokenStream {
    match lifetime {
        Some(lt) => quote!(+ #lt),
        None => TokenStream::new(),
    }
}

/// Rejects what the macros cannot turn into a generator.
pub(crate) fn check_plain_fn(sig: &Signature, what: &str) -> syn::Result<()> {
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new(
            a.span(),
            format!(
                "{what} cannot be an `async fn`: remove `async`; the body already runs suspended"
            ),
        ));
    }
    if let Some(c) = &sig.constness {
        return Err(syn::Error::new(
            c.span(),
            format!("{what} cannot be a `const fn`"),
        ));
    }
    Ok(())
}

/// The function's signature as the expansion writes it: everything as declared but the return
/// type, which is `output` (`#vis #constness #unsafety #abi fn #ident #generics (#inputs) ->
/// #output #where_clause`). Shared by the three function macros.
pub(crate) fn signature_with_output(func: &syn::ItemFn, output: &TokenStream) -> TokenStream {
    let vis = &func.vis;
    let sig = &func.sig;
    let (constness, unsafety, abi, ident, generics, inputs, where_clause) = (
        &sig.constness,
        &sig.unsafety,
        &sig.abi,
        &sig.ident,
        &sig.generics,
        &sig.inputs,
        &sig.generics.where_clause,
    );
    quote!(#vis #constness #unsafety #abi fn #ident #generics (#inputs) -> #output #where_clause)
}
