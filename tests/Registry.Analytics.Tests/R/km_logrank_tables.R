# Reference values for Registry.Analytics: Kaplan-Meier, log-rank, contingency tables, Clopper-Pearson.
#
# Run from the repository root:
#   Rscript tests/Registry.Analytics.Tests/R/km_logrank_tables.R
#
# Writes tests/Registry.Analytics.Tests/Fixtures/km_logrank.json and .../tables.json.
# Each case carries its INPUT data next to R's output, so the C# tests need no R.
# Written with R 4.2.2, survival 3.5-3, jsonlite 1.8.4. NA/NaN/Inf are written as null.
# Numbers are written with digits = NA (15 significant digits); inputs are integers or short decimals, exact in JSON.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

out_dir <- file.path("tests", "Registry.Analytics.Tests", "Fixtures")
if (!dir.exists(out_dir)) stop("run from the repository root (", out_dir, " not found)")

# jsonlite writes NA as null but would write Inf as a string; undefined values become null either way.
fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
# auto_unbox would turn a length-1 vector into a scalar; I() keeps every per-row column an array.
arr <- function(x) I(if (is.null(x)) numeric(0) else as.vector(x))

write_fixture <- function(x, name) {
  write_json(x, file.path(out_dir, name), digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
}

versions <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                 jsonlite = as.character(packageVersion("jsonlite")))

# ---------------------------------------------------------------- Kaplan-Meier

km_one <- function(time, event, conf_type, conf_level, landmarks, horizons) {
  fit <- survfit(Surv(time, event) ~ 1, conf.type = conf_type, conf.int = conf_level)
  # survfit stores the SE of log S; summary() reports the SE of S, which is what we publish.
  timeline <- lapply(list(time = fit$time, nRisk = fit$n.risk, nEvent = fit$n.event, nCensored = fit$n.censor,
                          survival = fit$surv, stdErr = fin(fit$std.err * fit$surv),
                          lower = fin(fit$lower), upper = fin(fit$upper)), arr)
  s <- summary(fit, censored = FALSE)
  steps <- lapply(list(time = s$time, nRisk = s$n.risk, nEvent = s$n.event, nCensored = s$n.censor,
                       survival = s$surv, stdErr = fin(s$std.err), lower = fin(s$lower), upper = fin(s$upper)), arr)
  # print.survfit's numbers come from survival:::survmean; summary()$table must agree with them.
  tab <- survival:::survmean(fit, scale = 1, rmean = "none")$matrix
  stopifnot(isTRUE(all.equal(tab[c("median", paste0(conf_level, c("LCL", "UCL")))],
                             summary(fit)$table[c("median", paste0(conf_level, c("LCL", "UCL")))])))
  q <- quantile(fit, probs = 0.5)
  lm_sorted <- sort(unique(landmarks))
  sl <- summary(fit, times = lm_sorted)                    # drops times beyond the last follow-up
  sx <- summary(fit, times = lm_sorted, extend = TRUE)     # n.risk for every landmark (0 beyond)
  at <- match(lm_sorted, sl$time)
  rmeans <- lapply(horizons, function(tau) {
    m <- survival:::survmean(fit, scale = 1, rmean = tau)$matrix     # print(fit, rmean = tau)
    stopifnot(isTRUE(all.equal(m[c("rmean", "se(rmean)")], summary(fit, rmean = tau)$table[c("rmean", "se(rmean)")])))
    list(horizon = tau, rmean = unname(m["rmean"]), seRmean = unname(m["se(rmean)"]))
  })
  list(confType = conf_type, confLevel = conf_level,
       timeline = timeline, steps = steps,
       median = fin(tab["median"]), medianLower = fin(tab[paste0(conf_level, "LCL")]),
       medianUpper = fin(tab[paste0(conf_level, "UCL")]),
       quantileMedian = fin(q$quantile), quantileLower = fin(q$lower), quantileUpper = fin(q$upper),
       landmarks = lapply(list(time = lm_sorted, nRisk = sx$n.risk,
                               survival = fin(sl$surv[at]), stdErr = fin(sl$std.err[at]),
                               lower = fin(sl$lower[at]), upper = fin(sl$upper[at])), arr),
       restrictedMeans = rmeans)
}

km_case <- function(name, time, event, landmarks, horizons,
                    settings = list(c("log", 0.95), c("log-log", 0.95), c("plain", 0.95))) {
  list(name = name, time = arr(time), event = arr(as.integer(event)), landmarks = arr(landmarks), horizons = arr(horizons),
       fits = lapply(settings, function(s) km_one(time, event, s[1], as.numeric(s[2]), landmarks, horizons)))
}

lung2 <- within(lung, status01 <- status - 1L)
vet <- veteran

set.seed(20240611)
# Heavy ties: integer days on a short range, so events and censorings share times.
gen <- data.frame(time = sample(1:40, 150, replace = TRUE),
                  event = rbinom(150, 1, 0.65),
                  arm = sample(c("A", "B", "C"), 150, replace = TRUE),
                  site = sample(c("north", "south"), 150, replace = TRUE))
half_t <- c(1, 2, 3, 4, 5, 6)   # S = 0.5 exactly on a flat segment (median averages 3 and 5)
half_e <- c(1, 1, 1, 0, 1, 0)
tail_t <- c(1, 2, 3, 4)         # S = 0.5 exactly on the last, censored segment (print and quantile differ)
tail_e <- c(1, 1, 0, 0)
zero_t <- c(1, 2, 2, 3, 4, 5)   # last subject dies: S reaches 0
zero_e <- c(1, 0, 1, 1, 0, 1)

km_cases <- list(
  km_case("lung sex=1", lung2$time[lung2$sex == 1], lung2$status01[lung2$sex == 1],
          c(0, 30, 90, 180, 365, 500, 730, 1022, 1100), c(365, 730),
          settings = list(c("log", 0.95), c("log-log", 0.95), c("plain", 0.95), c("log", 0.9))),
  km_case("lung sex=2", lung2$time[lung2$sex == 2], lung2$status01[lung2$sex == 2],
          c(0, 30, 90, 180, 365, 730, 1000), c(365, 730)),
  km_case("lung ph.ecog=3", lung2$time[which(lung2$ph.ecog == 3)], lung2$status01[which(lung2$ph.ecog == 3)],
          c(0, 50, 118, 200), c(118)),
  km_case("veteran trt=1", vet$time[vet$trt == 1], vet$status[vet$trt == 1], c(0, 30, 90, 180, 365, 553, 600), c(180, 365)),
  km_case("veteran trt=2", vet$time[vet$trt == 2], vet$status[vet$trt == 2], c(0, 30, 90, 180, 365, 999), c(180, 365)),
  km_case("ovarian rx=1", ovarian$futime[ovarian$rx == 1], ovarian$fustat[ovarian$rx == 1], c(0, 365, 730, 1200), c(730, 1000)),
  km_case("ovarian rx=2", ovarian$futime[ovarian$rx == 2], ovarian$fustat[ovarian$rx == 2], c(0, 365, 730, 1200), c(730, 1000)),
  km_case("aml Maintained", aml$time[aml$x == "Maintained"], aml$status[aml$x == "Maintained"], c(0, 5, 9, 30, 48, 100, 161, 200), c(48, 100)),
  km_case("aml Nonmaintained", aml$time[aml$x == "Nonmaintained"], aml$status[aml$x == "Nonmaintained"], c(0, 5, 20, 45, 50), c(20, 45)),
  km_case("generated ties arm=A", gen$time[gen$arm == "A"], gen$event[gen$arm == "A"], c(0, 1, 10, 20, 30, 40, 41), c(10, 25, 40)),
  km_case("generated ties all", gen$time, gen$event, c(0, 5, 15, 40), c(20)),
  km_case("all censored", c(3, 5, 5, 8, 12), c(0, 0, 0, 0, 0), c(0, 5, 12, 13), c(4, 12)),
  km_case("exactly one half, flat segment", half_t, half_e, c(0, 3, 4, 5, 6, 7), c(4, 6)),
  km_case("exactly one half at the end", tail_t, tail_e, c(0, 2, 4, 5), c(4)),
  km_case("survival reaches zero", zero_t, zero_e, c(0, 2, 4.5, 5, 6), c(4, 5)),
  km_case("n=1 event", c(7), c(1), c(0, 7, 8), c(7)),
  km_case("n=1 censored", c(7), c(0), c(0, 7, 8), c(7)),
  km_case("n=2", c(4, 9), c(1, 0), c(0, 4, 9, 10), c(9)),
  km_case("n=3 tied", c(2, 2, 5), c(1, 0, 1), c(0, 2, 5), c(5))
)

# ---------------------------------------------------------------- log-rank (survdiff, rho = 0)

logrank_case <- function(name, time, event, group, strata = NULL, levels = sort(unique(group))) {
  g <- factor(group, levels = levels)
  # survdiff warns (pchisq NaN) when no group has expected events; we record that case as not testable.
  sd <- suppressWarnings(if (is.null(strata)) survdiff(Surv(time, event) ~ g)
                         else survdiff(Surv(time, event) ~ g + strata(strata)))
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  exp <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  df <- sum(exp > 0) - 1   # as print.survdiff
  list(name = name, time = arr(time), event = arr(as.integer(event)), group = arr(as.character(group)),
       strata = if (is.null(strata)) NA else arr(as.character(strata)), groupOrder = arr(as.character(levels)),
       n = arr(as.integer(table(g))), observed = arr(obs), expected = arr(exp),
       variance = lapply(seq_len(nrow(sd$var)), function(i) arr(sd$var[i, ])), chiSquare = sd$chisq, df = df,
       p = if (df >= 1) pchisq(sd$chisq, df, lower.tail = FALSE) else NA, testable = df >= 1)
}

ecog <- lung2[!is.na(lung2$ph.ecog), ]
lr_cases <- list(
  logrank_case("lung by sex", lung2$time, lung2$status01, lung2$sex),
  logrank_case("lung by ph.ecog (ecog 3 has one patient)", ecog$time, ecog$status01, ecog$ph.ecog),
  logrank_case("veteran by trt", vet$time, vet$status, vet$trt),
  logrank_case("veteran by celltype", vet$time, vet$status, as.character(vet$celltype),
               levels = levels(vet$celltype)),
  logrank_case("veteran by trt stratified by celltype", vet$time, vet$status, vet$trt,
               strata = as.character(vet$celltype)),
  logrank_case("ovarian by rx", ovarian$futime, ovarian$fustat, ovarian$rx),
  logrank_case("aml by x", aml$time, aml$status, as.character(aml$x)),
  logrank_case("generated ties by arm", gen$time, gen$event, gen$arm),
  logrank_case("generated ties by arm stratified by site", gen$time, gen$event, gen$arm, strata = gen$site),
  logrank_case("one arm entirely censored", c(gen$time[1:40], 3, 9, 15, 22),
               c(gen$event[1:40], 0, 0, 0, 0), c(gen$arm[1:40], rep("D", 4))),
  logrank_case("one arm censored before the first event (expected 0, dropped from df)",
               c(2, 3, 5, 6, 8, 9, 0.5, 0.7), c(1, 0, 1, 1, 0, 1, 0, 0), c("A", "A", "B", "B", "A", "B", "C", "C")),
  logrank_case("tiny arms n=1 and n=2", c(3, 1, 4), c(1, 1, 0), c("A", "B", "B")),
  logrank_case("all censored (not testable: R gives chisq 0 on -1 df)", c(1, 2, 3, 4), c(0, 0, 0, 0), c("A", "A", "B", "B")),
  logrank_case("only one arm has expected events (R: chisq 0 on 0 df)", c(1, 2, 3, 4, 0.5), c(1, 0, 1, 0, 0),
               c("A", "A", "A", "A", "B"))
)

write_fixture(list(generatedWith = versions, kaplanMeier = km_cases, logRank = lr_cases), "km_logrank.json")

# ---------------------------------------------------------------- contingency tables

# chisq.test warns about small expected counts; the statistic is still what SPSS and R report.
chisq_plain <- function(m, correct) suppressWarnings(chisq.test(m, correct = correct))

table_case <- function(name, m, fisher_workspace = 2e7) {
  m <- as.matrix(m)
  used <- m[rowSums(m) > 0, colSums(m) > 0, drop = FALSE]   # R gives NaN with an empty row/column; we test the rest
  testable <- nrow(used) >= 2 && ncol(used) >= 2
  pearson <- if (testable) chisq_plain(used, FALSE) else NULL
  yates <- if (testable && all(dim(m) == 2)) chisq_plain(used, TRUE) else NULL
  fisher <- fisher.test(m, workspace = fisher_workspace)
  list(name = name, counts = lapply(seq_len(nrow(m)), function(i) arr(as.integer(m[i, ]))),
       rowsUsed = nrow(used), columnsUsed = ncol(used),
       pearson = if (is.null(pearson)) NA else list(
         chiSquare = unname(pearson$statistic), df = unname(pearson$parameter), p = pearson$p.value,
         minExpected = min(pearson$expected), cellsExpectedBelowFive = sum(pearson$expected < 5)),
       yates = if (is.null(yates)) NA else list(
         chiSquare = unname(yates$statistic), df = unname(yates$parameter), p = yates$p.value),
       fisherP = fisher$p.value)
}

tables <- list(
  table_case("2x2 hand-checkable", matrix(c(10, 30, 20, 40), 2)),
  table_case("2x2 lady tasting tea", matrix(c(3, 1, 1, 3), 2)),
  table_case("2x2 ORR two arms", matrix(c(42, 71, 28, 85), 2)),
  table_case("2x2 rare adverse event", matrix(c(0, 113, 5, 108), 2)),
  table_case("2x2 symmetric margins (ties in Fisher)", matrix(c(5, 5, 5, 5), 2)),
  table_case("2x2 empty column", matrix(c(4, 7, 0, 0), 2)),
  table_case("2x2 Yates capped at |O - E| < 0.5", matrix(c(3, 2, 2, 2), 2)),
  table_case("4x2 response by arm", matrix(c(20, 14, 25, 9, 36, 43, 31, 48), 4)),
  table_case("4x3 grade by arm", matrix(c(40, 30, 35, 20, 10, 18, 14, 12, 7, 9, 8, 23), 4)),
  table_case("4x4 sparse safety table", matrix(c(50, 45, 48, 40, 5, 8, 6, 10, 1, 2, 1, 5, 0, 1, 2, 2), 4)),
  table_case("4x4 n=223 dense", matrix(c(20, 15, 12, 9, 18, 14, 13, 11, 16, 17, 12, 10, 22, 13, 9, 12), 4)),
  table_case("3x3 R fisher.test Job satisfaction corner", matrix(c(1, 2, 1, 3, 3, 6, 10, 10, 14), 3)),
  table_case("2x3 with an empty row", matrix(c(3, 0, 5, 0, 9, 0), 2)),
  table_case("4x3 with an empty grade column (tested as 4x2)", matrix(c(12, 9, 15, 7, 44, 47, 41, 50, 0, 0, 0, 0), 4)),
  table_case("3x2 Agresti", matrix(c(2, 8, 7, 7, 2, 0), 3))
)

binom_case <- function(x, n, conf_level) {
  ci <- binom.test(x, n, conf.level = conf_level)$conf.int
  list(successes = x, trials = n, confLevel = conf_level, lower = ci[1], upper = ci[2])
}
binoms <- list(
  binom_case(0, 10, 0.95), binom_case(10, 10, 0.95), binom_case(0, 1, 0.95), binom_case(1, 1, 0.95),
  binom_case(3, 10, 0.95), binom_case(42, 113, 0.95), binom_case(57, 226, 0.95), binom_case(1, 226, 0.95),
  binom_case(225, 226, 0.95), binom_case(0, 226, 0.95), binom_case(13, 56, 0.9), binom_case(28, 56, 0.99)
)

write_fixture(list(generatedWith = versions, tables = tables, clopperPearson = binoms), "tables.json")
cat("wrote", file.path(out_dir, c("km_logrank.json", "tables.json")), sep = "\n")
