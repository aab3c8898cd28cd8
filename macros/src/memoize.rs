//! `#[memoize]`: a function whose results are cached by its arguments.
//!
//! The expansion keeps the body as an inner function, puts the cache in a static beside the
//! function (a `thread_local!` by default, a `LazyLock<Mutex<_>>` with `shared`), and adds a
//! module of the function's name with `stats()` and `clear()`. The cache is never borrowed
//! while the body runs, so a memoized function may call itself (`fib`).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::visit::Visit;
use syn::{Expr, FnArg, GenericParam, ItemFn, Pat, ReturnType, Type};

/// The options: `capacity = N`, `ttl = <Duration expr>`, `shared`.
#[derive(Default)]
struct Options {
    capacity: Option<Expr>,
    ttl: Option<Expr>,
    shared: bool,
}

fn parse_options(args: TokenStream) -> syn::Result<Options> {
    let mut options = Options::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("capacity") {
            let capacity: Expr = meta.value()?.parse()?;
            if let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(n),
                ..
            }) = &capacity
                && n.base10_parse::<u64>().is_ok_and(|n| n == 0)
            {
                return Err(syn::Error::new_spanned(
                    &capacity,
                    "a cache of capacity 0 holds nothing: give a capacity of at least 1, or \
                     leave it out for an unbounded cache",
                ));
            }
            options.capacity = Some(capacity);
        } else if meta.path.is_ident("ttl") {
            options.ttl = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("shared") {
            options.shared = true;
        } else {
            return Err(meta.error(
                "unknown #[memoize] option; expected `capacity = N`, `ttl = Duration` or `shared`",
            ));
        }
        Ok(())
    });
    syn::parse::Parser::parse2(parser, args)?;
    Ok(options)
}

/// One argument: how its key part is typed, made and looked up.
struct KeyPart {
    name: syn::Ident,
    /// The owned key type.
    owned: TokenStream,
    /// The argument as the owned key.
    to_owned: TokenStream,
    /// The borrowed lookup type and expression, for a one-argument function.
    lookup_ty: TokenStream,
    lookup: TokenStream,
}

struct FindImplTrait(Option<Span>);

impl Visit<'_> for FindImplTrait {
    fn visit_type_impl_trait(&mut self, t: &syn::TypeImplTrait) {
        self.0.get_or_insert(syn::spanned::Spanned::span(t));
    }
}

fn key_part(arg: &FnArg) -> syn::Result<KeyPart> {
    let arg = match arg {
        FnArg::Receiver(r) => {
            return Err(syn::Error::new_spanned(
                r,
                "#[memoize] does not support methods: one cache per function would mix \
                 every instance's results; memoize a free function of what the result \
                 depends on, and call it from the method",
            ));
        }
        FnArg::Typed(arg) => arg,
    };
    let Pat::Ident(pat) = arg.pat.as_ref() else {
        return Err(syn::Error::new_spanned(
            &arg.pat,
            "#[memoize] needs named arguments (`name: Type`), to key the cache by them",
        ));
    };
    let mut find = FindImplTrait(None);
    find.visit_type(&arg.ty);
    if let Some(span) = find.0 {
        return Err(syn::Error::new(
            span,
            "#[memoize] cannot cache a generic function (`impl Trait` argument): its cache \
             is one static, which needs concrete key types",
        ));
    }
    let name = pat.ident.clone();
    Ok(match arg.ty.as_ref() {
        Type::Reference(r) if r.mutability.is_some() => {
            return Err(syn::Error::new_spanned(
                r,
                "#[memoize] cannot key a cache by a `&mut` argument: a cached call would \
                 skip the mutation",
            ));
        }
        Type::Reference(r) => {
            let elem = &r.elem;
            KeyPart {
                owned: quote!(<#elem as ::std::borrow::ToOwned>::Owned),
                to_owned: quote!(::std::borrow::ToOwned::to_owned(#name)),
                lookup_ty: quote!(#elem),
                lookup: quote!(#name),
                name,
            }
        }
        ty => KeyPart {
            owned: quote!(#ty),
            to_owned: quote!(::std::clone::Clone::clone(&#name)),
            lookup_ty: quote!(#ty),
            lookup: quote!(&#name),
            name,
        },
    })
}

fn check_signature(func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    if let Some(param) = sig
        .generics
        .params
        .iter()
        .find(|p| !matches!(p, GenericParam::Lifetime(_)))
    {
        return Err(syn::Error::new_spanned(
            param,
            "#[memoize] cannot cache a generic function: its cache is one static, which \
             needs concrete key and value types; memoize a non-generic function for each type",
        ));
    }
    if let Some(asyncness) = &sig.asyncness {
        return Err(syn::Error::new_spanned(
            asyncness,
            "#[memoize] does not support `async fn`: it caches values, not futures",
        ));
    }
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new_spanned(
            constness,
            "#[memoize] cannot apply to a `const fn`: its cache is not const",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            variadic,
            "#[memoize] does not support variadics",
        ));
    }
    match &sig.output {
        ReturnType::Default => {
            return Err(syn::Error::new(
                sig.paren_token.span.close(),
                "#[memoize] needs a return type: a function returning `()` has nothing to cache",
            ));
        }
        ReturnType::Type(_, ty) => {
            let mut find = FindImplTrait(None);
            find.visit_type(ty);
            if let Some(span) = find.0 {
                return Err(syn::Error::new(
                    span,
                    "#[memoize] cannot cache an `impl Trait` return: its cache is one static, \
                     which needs a concrete value type",
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            let e = syn::Error::new(e.span(), "#[memoize] applies to a `fn`").to_compile_error();
            return quote!(#e #item);
        }
    };
    match parse_options(args).and_then(|options| expand_fn(&func, &options)) {
        Ok(tokens) => tokens,
        // The function stays as written, so its callers get no second error.
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#e #func)
        }
    }
}

fn expand_fn(func: &ItemFn, options: &Options) -> syn::Result<TokenStream> {
    check_signature(func)?;
    let parts = func
        .sig
        .inputs
        .iter()
        .map(key_part)
        .collect::<syn::Result<Vec<_>>>()?;
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let name = &sig.ident;
    let ReturnType::Type(_, value_ty) = &sig.output else {
        unreachable!("checked: a return type")
    };
    let slot = format_ident!("__GENPIPE_MEMO_{}", name.to_string().to_uppercase());
    let mut inner_sig = sig.clone();
    inner_sig.ident = format_ident!("__genpipe_memoized");
    let names = parts.iter().map(|p| &p.name);
    let call = quote!(__genpipe_memoized(#(#names),*));

    let (key_ty, lookup, key) = match parts.as_slice() {
        [one] => {
            let KeyPart {
                owned,
                to_owned,
                lookup_ty,
                lookup,
                ..
            } = one;
            (
                owned.clone(),
                quote!(memo.lookup::<#lookup_ty>(#lookup)),
                to_owned.clone(),
            )
        }
        many => {
            let owned = many.iter().map(|p| &p.owned);
            let to_owned = many.iter().map(|p| &p.to_owned);
            let key = quote!((#(#to_owned,)*));
            (
                quote!((#(#owned,)*)),
                quote!(memo.lookup(&__genpipe_key)),
                key,
            )
        }
    };
    // One argument: look up by the borrowed form (no allocation on a hit), then own it.
    // Several: the key tuple is built first and looked up by reference.
    let (prepare, own_key) = if parts.len() == 1 {
        (quote!(), quote!(let __genpipe_key = #key;))
    } else {
        (quote!(let __genpipe_key = #key;), quote!())
    };

    let memo_ty = quote!(::genpipe::memo::Memo<#key_ty, #value_ty>);
    let mut init = quote!(<#memo_ty>::new());
    if let Some(capacity) = &options.capacity {
        init = quote!(#init.capacity(#capacity));
    }
    if let Some(ttl) = &options.ttl {
        init = quote!(#init.ttl(#ttl));
    }
    let static_item = if options.shared {
        quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            static #slot: ::std::sync::LazyLock<::std::sync::Mutex<#memo_ty>> =
                ::std::sync::LazyLock::new(|| ::std::sync::Mutex::new(#init));
        }
    } else {
        quote! {
            ::std::thread_local! {
                #[doc(hidden)]
                #[allow(non_upper_case_globals)]
                static #slot: ::std::cell::RefCell<#memo_ty> = ::std::cell::RefCell::new(#init);
            }
        }
    };
    let scope = if options.shared {
        "shared by all threads"
    } else {
        "of the calling thread"
    };
    let module_doc = format!("The cache of `{name}()` ({scope}): its `stats()` and `clear()`.");
    let with = quote!(::genpipe::memo::MemoSlot::with_memo);

    Ok(quote! {
        #static_item

        #(#attrs)*
        #vis #sig {
            #[inline(always)]
            #inner_sig #block

            #prepare
            if let ::std::option::Option::Some(__genpipe_value) = #with(&#slot, |memo| #lookup) {
                return __genpipe_value;
            }
            #own_key
            let __genpipe_value = #call;
            #with(&#slot, |memo| {
                memo.store(__genpipe_key, ::std::clone::Clone::clone(&__genpipe_value))
            });
            __genpipe_value
        }

        #[doc = #module_doc]
        #vis mod #name {
            /// What the cache has done since it was made or last cleared.
            pub fn stats() -> ::genpipe::memo::MemoStats {
                ::genpipe::memo::MemoSlot::with_memo(&super::#slot, |memo| memo.stats())
            }

            /// Drops every cached result and zeroes the counters.
            pub fn clear() {
                ::genpipe::memo::MemoSlot::with_memo(&super::#slot, |memo| memo.clear())
            }
        }
    })
}
