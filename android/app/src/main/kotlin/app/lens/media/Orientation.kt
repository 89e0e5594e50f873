package app.lens.media

import android.content.Context
import android.hardware.display.DisplayManager
import android.view.Display
import android.view.Surface

/** How far the camera's picture must turn to be upright for the technician. */
object Orientation {
    /**
     * Clockwise degrees that make the sensor's picture upright when the display is turned
     * [displayDegrees] from its natural orientation. The front camera faces the other way, so
     * the display's turn adds to its sensor's instead of subtracting (Camera2's JPEG
     * orientation rule); the picture sent is never mirrored.
     */
    fun uprightRotation(sensorOrientation: Int, displayDegrees: Int, front: Boolean): Int =
        if (front) (sensorOrientation + displayDegrees) % 360
        else (sensorOrientation - displayDegrees + 360) % 360

    /** The default display's rotation in degrees; DisplayManager works from any Context. */
    fun displayDegrees(context: Context): Int {
        val display = context.getSystemService(DisplayManager::class.java)?.getDisplay(Display.DEFAULT_DISPLAY)
        return when (display?.rotation) {
            Surface.ROTATION_90 -> 90
            Surface.ROTATION_180 -> 180
            Surface.ROTATION_270 -> 270
            else -> 0
        }
    }
}
