package app.lens.ui

import android.app.Activity
import android.content.res.ColorStateList
import android.graphics.Color
import android.graphics.SurfaceTexture
import android.os.Build
import android.text.Editable
import android.text.InputType
import android.text.TextWatcher
import android.util.TypedValue
import android.view.Gravity
import android.view.TextureView
import android.view.View
import android.view.ViewGroup.LayoutParams.MATCH_PARENT
import android.view.ViewGroup.LayoutParams.WRAP_CONTENT
import android.view.WindowInsets
import android.view.inputmethod.EditorInfo
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ProgressBar
import android.widget.ScrollView
import android.widget.TextView
import android.widget.ToggleButton
import app.lens.AppConfig
import app.lens.media.Media
import uniffi.lens_core.Intent

/**
 * Draws [Drawing]s with framework Views built in code: the camera preview on top, the words
 * in a scrolling column, the buttons in a bar that stays in view (a long licence text scrolls
 * above Accept and Decline). A screen with the same parts as the one before is updated in
 * place, so the PIN field keeps its focus and keyboard while the customer types.
 */
class ScreenView(private val activity: Activity, private val act: (Intent) -> Unit) {
    private val brand = AppConfig.BRAND_COLOUR
    private val content = column()
    private val actions = column()
    private val views = mutableListOf<View>()
    private var parts: List<Part> = emptyList()

    /** True while the model's text is put into the PIN field: that is no keystroke. */
    private var filling = false

    /**
     * The PIN field's texts sent to the model and not yet drawn back. A screen showing one of
     * them is the echo of a keystroke, possibly overtaken by the next: the field keeps what
     * the customer typed. Any other text is the model's own (a link's PIN, an emptied field).
     */
    private val typed = ArrayDeque<String>()

    /** The camera draws into it (Media.previewTexture) while the screen shows the preview. */
    private val preview = TextureView(activity).apply {
        // Decorative: the screen's words say what the camera shows.
        importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO
        surfaceTextureListener = object : TextureView.SurfaceTextureListener {
            override fun onSurfaceTextureAvailable(surface: SurfaceTexture, width: Int, height: Int) {
                Media.previewTexture = surface
            }

            override fun onSurfaceTextureDestroyed(surface: SurfaceTexture): Boolean {
                if (Media.previewTexture === surface) Media.previewTexture = null
                return true
            }

            override fun onSurfaceTextureSizeChanged(surface: SurfaceTexture, width: Int, height: Int) = Unit
            override fun onSurfaceTextureUpdated(surface: SurfaceTexture) = Unit
        }
    }

    private val scroll = ScrollView(activity).apply { addView(content) }

    val root = LinearLayout(activity).apply {
        orientation = LinearLayout.VERTICAL
        setBackgroundColor(Color.WHITE)
        addView(preview, LinearLayout.LayoutParams(MATCH_PARENT, 0, 1f))
        addView(scroll, LinearLayout.LayoutParams(MATCH_PARENT, 0, 1f))
        addView(actions, LinearLayout.LayoutParams(MATCH_PARENT, WRAP_CONTENT))
        // Edge to edge (the rule from targetSdk 35): keep clear of the system bars and the keyboard.
        setOnApplyWindowInsetsListener { view, insets ->
            if (Build.VERSION.SDK_INT >= 30) {
                val bars = insets.getInsets(WindowInsets.Type.systemBars() or WindowInsets.Type.ime())
                view.setPadding(bars.left, bars.top, bars.right, bars.bottom)
            } else {
                @Suppress("DEPRECATION")
                view.setPadding(insets.systemWindowInsetLeft, insets.systemWindowInsetTop, insets.systemWindowInsetRight, insets.systemWindowInsetBottom)
            }
            insets
        }
    }

    fun show(drawing: Drawing) {
        preview.visibility = if (drawing.preview) View.VISIBLE else View.GONE
        val same = parts.map { it::class } == drawing.parts.map { it::class }
        parts = drawing.parts
        if (!same) rebuild()
        parts.forEachIndexed { i, part -> update(views[i], part) }
    }

    private fun rebuild() {
        content.removeAllViews()
        actions.removeAllViews()
        views.clear()
        typed.clear()
        scroll.scrollTo(0, 0)
        parts.forEachIndexed { i, part ->
            val view = create(part, i)
            // The model is the truth: no View restores its own state after a rotation.
            view.isSaveEnabled = false
            val bar = part is Part.Action || part is Part.Switch
            (if (bar) actions else content).addView(view, LinearLayout.LayoutParams(MATCH_PARENT, WRAP_CONTENT).apply {
                setMargins(0, dp(if (bar) 4 else 8), 0, 0)
            })
            views += view
        }
    }

    private fun create(part: Part, index: Int): View = when (part) {
        is Part.Heading -> text(24f).apply {
            setTextColor(brand)
            if (Build.VERSION.SDK_INT >= 28) isAccessibilityHeading = true
        }
        is Part.Body -> text(18f)
        is Part.Note -> text(18f).apply {
            setTextColor(WARNING)
            // Read out as it appears: the PIN's problem while typing, the technician's notices.
            accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        }
        is Part.PinField -> pinField(index)
        Part.Busy -> ProgressBar(activity).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO }
        is Part.Steps, is Part.Meter -> ProgressBar(activity, null, android.R.attr.progressBarStyleHorizontal).apply {
            progressTintList = ColorStateList.valueOf(brand)
        }
        is Part.Action -> Button(activity).apply {
            large()
            setOnClickListener { (parts[index] as Part.Action).let { if (it.button.enabled) act(it.intent()) } }
        }
        is Part.Switch -> ToggleButton(activity).apply {
            large()
            setOnClickListener {
                val current = parts[index] as Part.Switch
                // The tap flipped the button; where it stands is the model's to say.
                isChecked = current.toggle.on
                if (current.toggle.enabled) act(current.intent(!current.toggle.on))
            }
        }
    }

    private fun update(view: View, part: Part) {
        when (part) {
            is Part.Heading -> (view as TextView).text = part.text
            is Part.Body -> (view as TextView).text = part.text
            is Part.Note -> (view as TextView).apply {
                text = part.text.orEmpty()
                visibility = if (part.text == null) View.GONE else View.VISIBLE
            }
            is Part.PinField -> (view as EditText).let { field ->
                field.hint = part.prompt
                val echo = typed.indexOf(part.input)
                if (echo >= 0) {
                    repeat(echo + 1) { typed.removeFirst() }
                } else if (field.text.toString() != part.input) {
                    typed.clear()
                    filling = true
                    field.setText(part.input)
                    field.setSelection(part.input.length)
                    filling = false
                }
            }
            Part.Busy -> Unit
            is Part.Steps -> (view as ProgressBar).apply {
                max = part.steps
                progress = part.step
                contentDescription = part.words
            }
            is Part.Meter -> (view as ProgressBar).apply {
                visibility = if (part.quality == null) View.GONE else View.VISIBLE
                part.quality?.let { max = it.maxBars.toInt(); progress = it.bars.toInt() }
                contentDescription = part.quality?.label
            }
            is Part.Action -> (view as Button).apply {
                text = part.button.label
                enable(part.button.enabled)
            }
            is Part.Switch -> (view as ToggleButton).apply {
                text = part.toggle.label
                textOn = part.toggle.label
                textOff = part.toggle.label
                isChecked = part.toggle.on
                enable(part.toggle.enabled)
            }
        }
    }

    private fun pinField(index: Int) = EditText(activity).apply {
        inputType = InputType.TYPE_CLASS_NUMBER
        // No length cap: a seventh digit or a pasted link is the model's to judge, in words.
        imeOptions = EditorInfo.IME_ACTION_DONE
        setSingleLine()
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 32f)
        letterSpacing = 0.3f
        gravity = Gravity.CENTER
        minimumHeight = dp(64)
        addTextChangedListener(object : TextWatcher {
            override fun afterTextChanged(text: Editable) {
                if (filling) return
                typed.addLast(text.toString())
                act(Intent.Typed(text.toString()))
            }

            override fun beforeTextChanged(text: CharSequence, start: Int, count: Int, after: Int) = Unit
            override fun onTextChanged(text: CharSequence, start: Int, before: Int, count: Int) = Unit
        })
        setOnEditorActionListener { _, action, _ ->
            val field = parts[index] as Part.PinField
            val done = action == EditorInfo.IME_ACTION_DONE && field.join.enabled
            if (done) act(Intent.Join)
            done
        }
    }

    private fun text(size: Float) = TextView(activity).apply {
        setTextSize(TypedValue.COMPLEX_UNIT_SP, size)
        setTextColor(Color.BLACK)
    }

    /** Large touch targets in the brand's colour. */
    private fun Button.large() {
        minimumHeight = dp(56)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
        backgroundTintList = ColorStateList.valueOf(brand)
        setTextColor(Color.WHITE)
    }

    private fun View.enable(enabled: Boolean) {
        isEnabled = enabled
        alpha = if (enabled) 1f else 0.5f
    }

    private fun column() = LinearLayout(activity).apply {
        orientation = LinearLayout.VERTICAL
        setPadding(dp(24), dp(8), dp(24), dp(8))
    }

    private fun dp(value: Int) = (value * activity.resources.displayMetrics.density).toInt()

    private companion object {
        /** Material's error red: a problem reads as one next to the brand's colour. */
        val WARNING = Color.rgb(0xB3, 0x26, 0x1E)
    }
}
